#include "platform/macos/mac_host.h"

#include <stdexcept>

#include "platform/common/file.h"
#include "platform/decode/macos/managed_preferences.h"
#include "platform/macos/watchlist.h"
#include "platform/rescan_change_monitor.h"

namespace telltale::platform::macos_probe {

host::Defaults mac_defaults() { return {kStateDir, kManagedConfig, "/"}; }

const telltale::v1::Watchlist& mac_default_watchlist() {
  static const telltale::v1::Watchlist list = [] {
    telltale::v1::Watchlist w;
    w.set_version("builtin-macos-1");
    for (const auto& t : builtin_mac_watchlist()) {
      auto* tool = w.add_tools();
      tool->set_id(t.id);
      tool->set_name(t.name);
      for (const auto& e : t.executables) tool->add_process_names(e);
      for (auto p : t.ports) tool->add_ports(p);
    }
    return w;
  }();
  return list;
}

MacHost::MacHost(MacSystem system, host::Defaults defaults, std::filesystem::path managed_preferences)
    : system_(std::move(system)), defaults_(std::move(defaults)), managed_preferences_(std::move(managed_preferences)) {}

std::vector<host::ManagedSetting> MacHost::managed_settings() {
  std::error_code ec;
  if (!std::filesystem::exists(managed_preferences_, ec)) return {};
  auto bytes = read_file(managed_preferences_, 1 << 20);
  if (!bytes.data) throw std::runtime_error(managed_preferences_.string() + ": " + bytes.error);
  auto plist = decode::macos::parse_plist(*bytes.data);
  if (!plist.value) throw std::runtime_error(managed_preferences_.string() + ": " + plist.error);
  auto decoded = decode::macos::managed_settings(*plist.value);
  if (!decoded.error.empty()) throw std::runtime_error(managed_preferences_.string() + ": " + decoded.error);
  std::vector<host::ManagedSetting> out;
  for (auto& s : decoded.settings) out.push_back({std::move(s.key), std::move(s.value)});
  return out;
}

ProbeList MacHost::make_probes() { return make_all(system_); }

const telltale::v1::Watchlist& MacHost::default_watchlist() { return mac_default_watchlist(); }

void MacHost::read_hardware_identity(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  // system_profiler's serial and model identifier: the same probe the snapshot runs.
  make_hardware_probe(system_)->collect(ctx, out);
}

std::unique_ptr<ChangeMonitor> MacHost::make_change_monitor(const std::filesystem::path& /*root*/,
                                                            std::chrono::milliseconds rescan) {
  ProbeList probes;
  probes.push_back(make_usb_probe(system_));
  probes.push_back(make_displays_probe(system_));
  return std::make_unique<RescanChangeMonitor>(std::move(probes), rescan);
}

}  // namespace telltale::platform::macos_probe
