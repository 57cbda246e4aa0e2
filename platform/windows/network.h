#pragma once
// Network context on Windows: adapters (GetAdaptersAddresses: friendly name,
// MAC, interface type, state, unicast addresses), the default route with the
// lowest metric (GetIpForwardTable2) and the gateway's MAC from the neighbour
// table (GetIpNetTable2): the fleet rules compare gateway MACs across
// laptops of different assignees. VPN adapters are named by type and driver
// description (WireGuard, TAP, Tailscale, OpenVPN…). The connected Wi-Fi's
// BSSID and SSID (WlanQueryInterface, wlan_intf_opcode_current_connection)
// and the DNS suffixes (each adapter's connection-specific suffix, then the
// configured suffix search list) say which network the laptop is on.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/probe.h"

namespace telltale::platform::windows_probe {

struct Adapter {
  uint32_t if_index = 0;
  std::string name;         // FriendlyName, "Wi-Fi"
  std::string description;  // driver description, "Intel(R) Wi-Fi 6 AX201 160MHz"
  std::string mac;          // lowercase colon hex, "" when none
  uint32_t if_type = 0;     // IANA ifType: 6 ethernet, 71 wifi, 24 loopback, 53 virtual, 131 tunnel
  bool up = false;          // IfOperStatusUp
  std::vector<std::string> addresses;  // CIDR
  std::string dns_suffix;   // connection-specific DNS suffix (DHCP option 15 or configured)
  std::string guid;         // AdapterName, "{1A2B…}": what the WLAN API names the interface by
};

struct WifiConnection {
  std::string interface_guid;  // "{1A2B…}", as Adapter::guid
  std::string ssid;
  std::string bssid;           // lowercase colon hex
};

struct Route {
  uint32_t if_index = 0;
  std::string gateway;  // next hop, "0.0.0.0" for on-link
  uint32_t metric = 0;  // route metric + interface metric
};

struct Neighbor {
  uint32_t if_index = 0;
  std::string ip;
  std::string mac;  // lowercase colon hex
};

struct NetworkTables {
  std::vector<Adapter> adapters;
  std::vector<Route> default_routes;  // IPv4 0.0.0.0/0 routes
  std::vector<Neighbor> neighbors;    // IPv4, reachable/stale/permanent
  std::vector<WifiConnection> wifi;   // connected wireless interfaces
  std::vector<std::string> search_list;  // the global DNS suffix search list, in order
};

// Behind an interface: under Wine the tables are the build machine's (and
// wlanapi is a stub), so tests feed tables recorded on Windows laptops.
class NetworkSource {
 public:
  virtual ~NetworkSource() = default;
  // Fills what it can; each table that could not be read adds to `errors`.
  virtual NetworkTables tables(std::vector<std::string>& errors) = 0;
};

class SystemNetwork final : public NetworkSource {
 public:
  NetworkTables tables(std::vector<std::string>& errors) override;
};

class NetworkProbe final : public Probe {
 public:
  explicit NetworkProbe(NetworkSource& source) : source_(source) {}
  std::string_view name() const override { return "network"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;

 private:
  NetworkSource& source_;
};

// Pure helpers (tested on their own).
std::string adapter_kind(uint32_t if_type, const std::string& description);  // NetworkInterface.kind
bool is_vpn_adapter(const Adapter& a);

}  // namespace telltale::platform::windows_probe
