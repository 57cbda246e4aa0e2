// The agent's view of its OS: the build's own host unless a test agent
// chose another before starting (use_host).
#include "platform/host_platform.h"

#include <mutex>

namespace telltale::platform::host {
namespace {

std::mutex mu;
std::shared_ptr<HostPlatform>& slot() {
  static std::shared_ptr<HostPlatform> host;
  return host;
}

}  // namespace

void use_host(std::shared_ptr<HostPlatform> host) {
  std::lock_guard lock(mu);
  slot() = std::move(host);
}

HostPlatform& current() {
  // Made on first use, so a host chosen with use_host() means the build's
  // own is never constructed (its live system is not touched).
  std::lock_guard lock(mu);
  if (!slot()) slot() = make_built_in_host();
  return *slot();
}

std::string_view name() { return current().name(); }
ProbeList make_probes() { return current().make_probes(); }
const telltale::v1::Watchlist& default_watchlist() { return current().default_watchlist(); }
void read_hardware_identity(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  current().read_hardware_identity(ctx, out);
}
std::unique_ptr<ChangeMonitor> make_change_monitor(const std::filesystem::path& root,
                                                   std::chrono::milliseconds rescan) {
  return current().make_change_monitor(root, rescan);
}
Defaults defaults() { return current().defaults(); }
std::vector<ManagedSetting> managed_settings() { return current().managed_settings(); }
std::unique_ptr<PresenceInputCapture> make_presence_capture(const std::filesystem::path& root) {
  return current().make_presence_capture(root);
}

}  // namespace telltale::platform::host
