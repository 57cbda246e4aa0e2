#include "platform/common/stop_request.h"

#include <signal.h>

#include <algorithm>

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
  // The signals are blocked by hold_stop_requests(): sigtimedwait takes one
  // that is pending or arrives. With a stop token the wait goes in slices so
  // a service stop is noticed within a fifth of a second.
  sigset_t set = stop_signals();
  const auto slice = stop.stop_possible() ? std::chrono::milliseconds(200) : delay;
  for (auto left = delay;;) {
    if (stop.stop_requested()) return true;
    const auto d = std::min(left, slice);
    timespec ts{static_cast<time_t>(d.count() / 1000), static_cast<long>((d.count() % 1000) * 1000000)};
    if (sigtimedwait(&set, nullptr, &ts) > 0) return true;
    left -= d;
    if (left.count() <= 0) return stop.stop_requested();
  }
}

}  // namespace telltale
