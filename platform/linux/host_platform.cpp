// platform/host_platform.h for Linux: the probes read below a root
// directory, hotplug comes from kernel uevents, state lives under /var/lib.
#include "platform/host_platform.h"

#include <malloc.h>

#include <iostream>

#include "platform/linux/default_watchlist.h"
#include "platform/linux/hardware.h"
#include "platform/linux/hotplug_monitor.h"
#include "platform/linux/presence_input.h"
#include "platform/linux/probes.h"

namespace telltale::platform::host {

namespace {

class LinuxHost final : public HostPlatform {
 public:
  std::string_view name() const override { return "linux"; }
  ProbeList make_probes() override { return linux_probe::make_all(); }
  const telltale::v1::Watchlist& default_watchlist() override { return linux_probe::default_watchlist(); }
  void read_hardware_identity(const ProbeContext& ctx, telltale::v1::Snapshot& out) override {
    linux_probe::HardwareProbe().collect(ctx, out);
  }
  std::unique_ptr<ChangeMonitor> make_change_monitor(const std::filesystem::path& root,
                                                     std::chrono::milliseconds rescan) override {
    return std::make_unique<linux_probe::HotplugMonitor>(root, rescan);
  }
  Defaults defaults() const override { return {"/var/lib/telltale-agent", "/etc/telltale/agent.toml", "/"}; }
  std::unique_ptr<PresenceInputCapture> make_presence_capture(const std::filesystem::path& root) override {
    return std::make_unique<linux_probe::LinuxPresenceCapture>(root);
  }
};

}  // namespace

std::unique_ptr<HostPlatform> make_built_in_host() { return std::make_unique<LinuxHost>(); }

std::vector<std::string> command_line(int argc, char** argv) { return {argv + 1, argv + argc}; }

void tune_process() {
  // glibc gives each thread that allocates its own arena (64 MB reservations,
  // pages kept after free); the agent's threads (gRPC, transport, hotplug,
  // input) make few allocations, so two arenas keep RSS down at no real cost.
  mallopt(M_ARENA_MAX, 2);
}

int run_as_service(std::function<int(std::stop_token)>) {
  std::cerr << "telltale-agent: --service is for Windows' service manager; systemd runs `telltale-agent run` "
               "directly (installer/systemd/telltale-agent.service)\n";
  return 2;
}

}  // namespace telltale::platform::host
