#include "platform/common/stop_request.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace telltale {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void hold_stop_requests() {
  sigset_t set = stop_signals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

void release_stop_requests() {
  sigset_t set = stop_signals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

bool sleep_unless_stopped(std::chrono::milliseconds delay, std::stop_token stop) {
  // The signals are blocked by hold_stop_requests(), so one that arrives
  // stays pending: each slice checks sigpending() and takes it with
  // sigwait(), which returns at once for a pending signal. (Linux's
  // sigtimedwait would wait on the signal itself, but macOS has no
  // sigtimedwait; this loop is the same code on both. It runs only while
  // the agent waits to enroll, so waking ten times a second costs nothing.)
  const sigset_t set = stop_signals();
  constexpr auto kSlice = std::chrono::milliseconds(100);
  for (auto left = delay;;) {
    if (stop.stop_requested()) return true;
    sigset_t pending;
    sigemptyset(&pending);
    if (sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1)) {
      int taken = 0;
      sigwait(&set, &taken);
      return true;
    }
    if (left.count() <= 0) return stop.stop_requested();
    const auto d = std::min(left, kSlice);
    timespec ts{static_cast<time_t>(d.count() / 1000), static_cast<long>((d.count() % 1000) * 1000000)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    left -= d;
  }
}

}  // namespace telltale
