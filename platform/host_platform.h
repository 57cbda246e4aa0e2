#pragma once
// What the agent needs from the operating system it runs on, so agent/ names
// no OS: implemented once per OS (linux/host_platform.cpp,
// windows/host_platform.cpp) and chosen by the build, which compiles exactly
// one of them into telltale_platform. docs/MACOS.md says what a Mac one needs.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "platform/change_monitor.h"
#include "platform/presence_input.h"
#include "platform/probe.h"
#include "telltale/v1/snapshot.pb.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::platform::host {

// "linux", "windows": Snapshot.platform, Hello.platform, EnrollRequest.platform.
std::string_view name();

// Every probe of this OS over the live machine (or below ctx.root where the
// OS's probes read files), in collection order.
ProbeList make_probes();

// The built-in remote-access watchlist, used until the collector pushes one.
const telltale::v1::Watchlist& default_watchlist();

// The hardware facts enrollment sends as the device's identity (the same
// probe the snapshot runs, read once): fills out.hardware.
void read_hardware_identity(const ProbeContext& ctx, telltale::v1::Snapshot& out);

// USB and display changes between snapshots; `rescan` is the polling period.
std::unique_ptr<ChangeMonitor> make_change_monitor(const std::filesystem::path& root,
                                                   std::chrono::milliseconds rescan);

// Input capture for presence checks; null where the OS has none yet.
std::unique_ptr<PresenceInputCapture> make_presence_capture(const std::filesystem::path& root);

struct Defaults {
  std::filesystem::path state_dir;       // keys, certificate, spool
  std::filesystem::path managed_config;  // where an MDM drops agent.toml
  std::filesystem::path root;            // what --root defaults to
};
Defaults defaults();

// The arguments after the program name, as UTF-8 (Windows hands main()
// the ANSI code page).
std::vector<std::string> command_line(int argc, char** argv);

// Process-wide tuning before any thread starts (allocator arenas…).
void tune_process();

// `run --service`: runs body as the OS's service manager wants a service
// run (Windows: under the Service Control Manager, whose stop and shutdown
// requests reach body through its stop token) and returns body's exit code.
// Where the service manager runs the program directly (systemd, launchd)
// there is nothing to adapt: it returns 2 after saying so on stderr.
int run_as_service(std::function<int(std::stop_token)> body);

}  // namespace telltale::platform::host
