#pragma once
// This process's own footprint, for the agent's health report and watchdog.
#include <cstdint>

namespace telltale {

// Resident set size in bytes (0 when the OS does not say).
uint64_t self_rss_bytes();
// CPU seconds used so far, user + system.
double self_cpu_seconds();

}  // namespace telltale
