#pragma once
// What the agent needs from the operating system it runs on, so agent/ names
// no OS: implemented once per OS (linux/, windows/, macos/host_platform.cpp)
// and chosen by the build, which compiles exactly one of them into
// telltale_platform.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
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

struct Defaults {
  std::filesystem::path state_dir;       // keys, certificate, spool
  std::filesystem::path managed_config;  // where an MDM drops agent.toml
  std::filesystem::path root;            // what --root defaults to
};

// A setting an MDM delivers through the OS rather than agent.toml (macOS: a
// configuration profile's preference domain); value nullopt: a switch.
struct ManagedSetting {
  std::string key;
  std::optional<std::string> value;
};

// The facts and probes of one OS. Each OS's file (linux/host_platform.cpp,
// windows/host_platform.cpp, macos/host_platform.cpp) makes the build's own;
// a test build of the agent may use another one (the Mac host over replayed
// captures, macos/mac_host.h) so the agent's real code runs as that OS.
class HostPlatform {
 public:
  virtual ~HostPlatform() = default;
  // "linux", "windows", "macos": Snapshot.platform, Hello.platform, EnrollRequest.platform.
  virtual std::string_view name() const = 0;
  // Every probe of this OS, in collection order.
  virtual ProbeList make_probes() = 0;
  // The built-in remote-access watchlist, used until the collector pushes one.
  virtual const telltale::v1::Watchlist& default_watchlist() = 0;
  // The hardware facts enrollment sends as the device's identity: fills out.hardware.
  virtual void read_hardware_identity(const ProbeContext& ctx, telltale::v1::Snapshot& out) = 0;
  // USB and display changes between snapshots; `rescan` is the polling period.
  virtual std::unique_ptr<ChangeMonitor> make_change_monitor(const std::filesystem::path& root,
                                                             std::chrono::milliseconds rescan) = 0;
  virtual Defaults defaults() const = 0;
  // Settings an MDM delivered through the OS, applied below the command
  // line's flags and above agent.toml; none where MDMs drop agent.toml
  // (Linux, Windows). Throws, naming the file and key, when they cannot be used.
  virtual std::vector<ManagedSetting> managed_settings() { return {}; }
  // Input capture for presence checks; null where the OS has none yet.
  virtual std::unique_ptr<PresenceInputCapture> make_presence_capture(const std::filesystem::path& /*root*/) {
    return nullptr;
  }
};

// This build's OS (implemented in the OS's host_platform.cpp).
std::unique_ptr<HostPlatform> make_built_in_host();

// Makes `host` the one the functions below answer from, for the rest of the
// process. Call it before any agent code runs (a test agent's main()); the
// build's own host is used when nobody does.
void use_host(std::shared_ptr<HostPlatform> host);
HostPlatform& current();

// The current host's answers (platform/host_platform.cpp), so agent/ names no OS.
std::string_view name();
ProbeList make_probes();
const telltale::v1::Watchlist& default_watchlist();
void read_hardware_identity(const ProbeContext& ctx, telltale::v1::Snapshot& out);
std::unique_ptr<ChangeMonitor> make_change_monitor(const std::filesystem::path& root,
                                                   std::chrono::milliseconds rescan);
Defaults defaults();
std::vector<ManagedSetting> managed_settings();
std::unique_ptr<PresenceInputCapture> make_presence_capture(const std::filesystem::path& root);

// The process, not the machine: per OS, never replaced.

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
