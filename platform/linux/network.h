#pragma once
#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// Where the laptop sits: the default gateway (proc/net/route) and its MAC
// (proc/net/arp), interfaces (sys/class/net) with IPv4 addresses from
// proc/net/fib_trie matched to link routes and IPv6 from proc/net/if_inet6,
// tunnels and VPNs, and the Wi-Fi network. Wi-Fi SSID/BSSID come from
// NetworkManager's own state files, no nl80211 call: the wireless interface
// (proc/net/wireless) → run/NetworkManager/devices/IFINDEX connection-uuid →
// the profile in etc/NetworkManager/system-connections with that uuid (ssid)
// and var/lib/NetworkManager/seen-bssids (the BSSIDs seen for that uuid, the
// first one reported). Each step that is missing leaves the field empty.
class NetworkProbe final : public Probe {
 public:
  std::string_view name() const override { return "network"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
};

}  // namespace telltale::platform::linux_probe
