#pragma once
// `launchctl print system/<label>`: whether a launchd service is loaded
// (enabled) and running. The format is not a stable interface, so only the
// two facts every release prints are read: the header line and "state = …".
#include <string>
#include <string_view>

namespace telltale::decode::macos {

struct LaunchdService {
  bool loaded = false;   // launchctl knows the service (Screen Sharing switched on)
  bool running = false;  // "state = running"
  long pid = 0;          // "pid = 123" when running
};

// exit_code is launchctl's: 0 printed the service, 113 "Could not find service".
LaunchdService parse_launchctl_print(std::string_view text, int exit_code);

}  // namespace telltale::decode::macos
