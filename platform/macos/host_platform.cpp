// platform/host_platform.h for macOS: the Mac host (mac_host.h) over the
// live system tools and libproc. launchd runs the agent directly as a
// LaunchDaemon in the foreground and stops it with SIGTERM (the daemon's
// signal handling is the POSIX one), so there is no service adapter.
// Portable code: the Linux build compiles it (never links it) so a typo
// cannot wait for a Mac to be found.
#include <iostream>

#include "platform/host_platform.h"
#include "platform/macos/mac_host.h"

namespace telltale::platform::host {

std::unique_ptr<HostPlatform> make_built_in_host() {
  return std::make_unique<macos_probe::MacHost>(macos_probe::live_system());
}

std::vector<std::string> command_line(int argc, char** argv) { return {argv + 1, argv + argc}; }

// macOS's malloc has no arena knob like glibc's M_ARENA_MAX; nothing to tune.
void tune_process() {}

int run_as_service(std::function<int(std::stop_token)>) {
  std::cerr << "telltale-agent: --service is for Windows' service manager; launchd runs `telltale-agent run` "
               "directly (installer/macos/com.telltale.agent.plist)\n";
  return 2;
}

}  // namespace telltale::platform::host
