#pragma once
// The operating system asking the agent to stop: SIGTERM/SIGINT on POSIX,
// a console control event (Ctrl-C, Ctrl-Break, close, logoff, shutdown) on
// Windows. A service stop arrives differently (a std::stop_token from the
// service host) and is honoured by the same waits below.
#include <chrono>
#include <stop_token>

namespace telltale {

// Holds stop requests back until release_stop_requests(): a request that
// comes while the agent enrolls or starts up stays pending instead of
// killing the process half-way (POSIX: blocks the signals).
void hold_stop_requests();
// Lets held requests through; the daemon calls it once its handler exists.
void release_stop_requests();

// Sleeps for `delay`, waking early when the OS asks the process to stop
// (consuming that request) or `stop` is requested. True when woken by either.
bool sleep_unless_stopped(std::chrono::milliseconds delay, std::stop_token stop = {});

}  // namespace telltale
