#pragma once
// The agent's host on macOS: the Mac probes over a MacSystem (the live tools
// and libproc on a Mac; replayed captures in tests), the built-in Mac
// watchlist, the hardware probe as enrollment identity, a rescan change
// monitor over the USB and display probes. Portable: the Mac build makes it
// over live_system() (host_platform.cpp), tests over a replay, so the same
// class the Mac agent runs is the one CI exercises.
#include "platform/host_platform.h"
#include "platform/macos/probes.h"

namespace telltale::platform::macos_probe {

// Where the Mac agent keeps its state and finds its managed config
// (installer/macos, docs/MACOS.md): one root-only directory for both, so a
// pkg or an MDM script places agent.toml next to the keys it will create.
inline constexpr const char* kStateDir = "/Library/Application Support/Telltale";
inline constexpr const char* kManagedConfig = "/Library/Application Support/Telltale/agent.toml";
// Where macOS writes the profile's com.telltale.agent settings payload
// (installer/mdm/macos/telltale-agent.mobileconfig).
inline constexpr const char* kManagedPreferences = "/Library/Managed Preferences/com.telltale.agent.plist";

host::Defaults mac_defaults();

// The watchlist in the collector's shape, from builtin_mac_watchlist():
// executables as process names, with the tools' ports.
const telltale::v1::Watchlist& mac_default_watchlist();

class MacHost final : public host::HostPlatform {
 public:
  MacHost(MacSystem system, host::Defaults defaults = mac_defaults(),
          std::filesystem::path managed_preferences = kManagedPreferences);
  std::string_view name() const override { return "macos"; }
  ProbeList make_probes() override;
  const telltale::v1::Watchlist& default_watchlist() override;
  void read_hardware_identity(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
  std::unique_ptr<ChangeMonitor> make_change_monitor(const std::filesystem::path& root,
                                                     std::chrono::milliseconds rescan) override;
  host::Defaults defaults() const override { return defaults_; }
  // The profile's settings; none when no profile delivered them.
  std::vector<host::ManagedSetting> managed_settings() override;

 private:
  MacSystem system_;
  host::Defaults defaults_;
  std::filesystem::path managed_preferences_;
};

}  // namespace telltale::platform::macos_probe
