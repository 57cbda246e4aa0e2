// platform/common/stop_request.h on Win32: a console control event (Ctrl-C,
// Ctrl-Break, window closed, logoff, shutdown) is the stop request. While
// held, a handler records it and tells Windows it was handled, so the
// process is not ended half-way through enrollment.
#include <windows.h>

#include <algorithm>
#include <atomic>
#include <csignal>

#include "platform/common/stop_request.h"

namespace telltale {
namespace {

std::atomic<bool> held{false};
std::atomic<bool> pending{false};

HANDLE stop_event() {
  // Manual reset: stays signalled until a wait consumes the request.
  static HANDLE event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  return event;
}

BOOL WINAPI on_console_event(DWORD /*type*/) {
  pending = true;
  SetEvent(stop_event());
  return TRUE;
}

}  // namespace

void hold_stop_requests() {
  if (held.exchange(true)) return;
  stop_event();
  SetConsoleCtrlHandler(on_console_event, TRUE);
}

void release_stop_requests() {
  if (!held.exchange(false)) return;
  SetConsoleCtrlHandler(on_console_event, FALSE);
  // Asio's signal_set sees console events as SIGINT (the C runtime's
  // handler raises it): hand a request that came while held on the same way.
  if (pending.exchange(false)) {
    ResetEvent(stop_event());
    std::raise(SIGINT);
  }
}

bool sleep_unless_stopped(std::chrono::milliseconds delay, std::stop_token stop) {
  const auto slice = stop.stop_possible() ? std::chrono::milliseconds(200) : delay;
  for (auto left = delay;;) {
    if (stop.stop_requested()) return true;
    const auto d = std::min(left, slice);
    if (WaitForSingleObject(stop_event(), static_cast<DWORD>(d.count())) == WAIT_OBJECT_0) {
      pending = false;
      ResetEvent(stop_event());
      return true;
    }
    left -= d;
    if (left.count() <= 0) return stop.stop_requested();
  }
}

}  // namespace telltale
