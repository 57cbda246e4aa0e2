// The network context from adapter, route and neighbour tables: recorded
// tables of Windows laptops for the mapping, the live Wine calls for the
// OS access.
#include <gtest/gtest.h>

#include "platform/windows/network.h"

namespace {

using namespace telltale::platform::windows_probe;

class RecordedNetwork final : public NetworkSource {
 public:
  NetworkTables t;
  std::vector<std::string> fail;
  NetworkTables tables(std::vector<std::string>& errors) override {
    errors.insert(errors.end(), fail.begin(), fail.end());
    return t;
  }
};

// A laptop on home Wi-Fi with its wired port unplugged, Windows' loopback
// and Teredo, and Hyper-V's default switch.
NetworkTables home_wifi() {
  NetworkTables t;
  t.adapters = {
      {12, "Ethernet", "Intel(R) Ethernet Connection (13) I219-V", "8c:8c:aa:11:22:33", 6, false, {}},
      {18, "Wi-Fi", "Intel(R) Wi-Fi 6 AX201 160MHz", "a4:c3:f0:44:55:66", 71, true,
       {"fe80::1c2d:3e4f:5a6b:7c8d/64", "192.168.1.23/24"}},
      {1, "Loopback Pseudo-Interface 1", "Software Loopback Interface 1", "", 24, true, {"::1/128", "127.0.0.1/8"}},
      {14, "Teredo Tunneling Pseudo-Interface", "Teredo Tunneling Pseudo-Interface", "", 131, true, {}},
      {27, "vEthernet (Default Switch)", "Hyper-V Virtual Ethernet Adapter", "00:15:5d:01:02:03", 6, true,
       {"172.20.160.1/20"}},
  };
  t.default_routes = {{18, "192.168.1.1", 35}, {12, "10.0.0.1", 25}};
  t.neighbors = {{18, "192.168.1.1", "e4:8d:8c:aa:bb:cc"}, {18, "192.168.1.40", "11:22:33:44:55:66"},
                 {27, "172.20.160.2", "00:15:5d:09:09:09"}};
  return t;
}

TEST(WindowsNetworkProbe, HomeWifi_GatewayAndItsMacFromTheNeighbourTable) {
  RecordedNetwork net;
  net.t = home_wifi();
  telltale::v1::Snapshot s;
  NetworkProbe(net).collect({}, s);
  const auto& n = s.network();
  // The wired route has the lower metric, but its adapter is down.
  EXPECT_EQ(n.default_interface(), "Wi-Fi");
  EXPECT_EQ(n.default_gateway_ip(), "192.168.1.1");
  EXPECT_EQ(n.default_gateway_mac(), "e4:8d:8c:aa:bb:cc");
  ASSERT_EQ(n.interfaces_size(), 5);
  EXPECT_EQ(n.interfaces(1).kind(), "wifi");
  EXPECT_TRUE(n.interfaces(1).up());
  EXPECT_EQ(n.interfaces(1).mac(), "a4:c3:f0:44:55:66");
  EXPECT_EQ(n.interfaces(1).addresses(1), "192.168.1.23/24");
  EXPECT_EQ(n.interfaces(0).kind(), "ethernet");
  EXPECT_FALSE(n.interfaces(0).up());
  EXPECT_EQ(n.interfaces(2).kind(), "loopback");
  EXPECT_EQ(n.interfaces(4).kind(), "virtual") << "Hyper-V's switch is not a physical port";
  EXPECT_TRUE(n.vpn_interfaces().empty()) << "Teredo is Windows plumbing, not a VPN";
  EXPECT_EQ(s.errors_size(), 0);
}

TEST(WindowsNetworkProbe, WireGuardFullTunnel_IsAVpnAndAnOnLinkDefaultNamesNoGateway) {
  RecordedNetwork net;
  net.t = home_wifi();
  net.t.adapters.push_back({33, "wg-office", "WireGuard Tunnel", "", 53, true, {"10.66.0.7/32"}});
  net.t.default_routes.push_back({33, "0.0.0.0", 5});
  telltale::v1::Snapshot s;
  NetworkProbe(net).collect({}, s);
  const auto& n = s.network();
  ASSERT_EQ(n.vpn_interfaces_size(), 1);
  EXPECT_EQ(n.vpn_interfaces(0), "wg-office");
  EXPECT_EQ(n.interfaces(5).kind(), "wireguard");
  EXPECT_EQ(n.default_interface(), "wg-office");
  EXPECT_TRUE(n.default_gateway_ip().empty());
  EXPECT_TRUE(n.default_gateway_mac().empty());
}

TEST(WindowsNetworkProbe, UnreadableNeighbourTable_IsReportedAndTheRestKept) {
  RecordedNetwork net;
  net.t = home_wifi();
  net.t.neighbors.clear();
  net.fail = {"GetIpNetTable2: Access is denied. (5)"};
  telltale::v1::Snapshot s;
  NetworkProbe(net).collect({}, s);
  EXPECT_EQ(s.network().default_gateway_ip(), "192.168.1.1");
  EXPECT_TRUE(s.network().default_gateway_mac().empty());
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).probe(), "network");
  EXPECT_EQ(s.errors(0).path(), "GetIpNetTable2");
}

// At the office on Wi-Fi, a USB Wi-Fi dongle also associated (to a phone's
// hotspot), DHCP handing out the corporate suffix, a search list from policy.
TEST(WindowsNetworkProbe, OfficeWifiWithASecondDongle_BssidOfTheDefaultRouteAndSuffixesInOrder) {
  RecordedNetwork net;
  net.t = home_wifi();
  net.t.adapters[0].dns_suffix = "lab.example.com";  // the unplugged wired port keeps its old suffix
  net.t.adapters[1].dns_suffix = "corp.example.com";
  net.t.adapters[1].guid = "{6B29FC40-CA47-1067-B31D-00DD010662DA}";
  net.t.adapters.push_back({41, "Wi-Fi 2", "TP-Link Wireless USB Adapter", "50:3e:aa:01:02:03", 71, true, {"172.20.10.3/28"},
                            "", "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}"});
  net.t.default_routes.push_back({41, "172.20.10.1", 90});
  net.t.wifi = {{"{0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}", "iPhone", "9a:12:34:56:78:9a"},
                {"{6b29fc40-ca47-1067-b31d-00dd010662da}", "CORP-WLAN", "00:3a:7d:11:22:33"}};
  net.t.search_list = {"example.com", "Corp.Example.com"};
  telltale::v1::Snapshot s;
  NetworkProbe(net).collect({}, s);
  const auto& n = s.network();
  EXPECT_EQ(n.default_interface(), "Wi-Fi");
  EXPECT_EQ(n.wifi_bssid(), "00:3a:7d:11:22:33");
  EXPECT_EQ(n.wifi_ssid(), "CORP-WLAN");
  ASSERT_EQ(n.dns_suffixes_size(), 2) << n.DebugString();
  EXPECT_EQ(n.dns_suffixes(0), "corp.example.com");
  EXPECT_EQ(n.dns_suffixes(1), "example.com");
}

TEST(WindowsNetworkProbe, WiredDesktopWithoutWifi_NoBssidAndNoError) {
  RecordedNetwork net;
  net.t = home_wifi();
  telltale::v1::Snapshot s;
  NetworkProbe(net).collect({}, s);
  EXPECT_TRUE(s.network().wifi_bssid().empty());
  EXPECT_EQ(s.network().dns_suffixes_size(), 0);
  EXPECT_EQ(s.errors_size(), 0);
}

TEST(WindowsNetworkProbe, AdapterKinds_FromTypeAndDriverDescription) {
  EXPECT_EQ(adapter_kind(6, "Realtek USB GbE Family Controller"), "ethernet");
  EXPECT_EQ(adapter_kind(71, "Killer(R) Wi-Fi 6E AX1675i"), "wifi");
  EXPECT_EQ(adapter_kind(53, "TAP-Windows Adapter V9"), "tun");
  EXPECT_EQ(adapter_kind(53, "Tailscale Tunnel"), "tun");
  EXPECT_EQ(adapter_kind(6, "VirtualBox Host-Only Ethernet Adapter"), "virtual");
  EXPECT_EQ(adapter_kind(131, "Microsoft IP-HTTPS Platform Adapter"), "tun");
  EXPECT_FALSE(is_vpn_adapter({0, "IP-HTTPS", "Microsoft IP-HTTPS Platform Adapter", "", 131, true, {}}));
  EXPECT_TRUE(is_vpn_adapter({0, "OpenVPN", "TAP-Windows Adapter V9 for OpenVPN Connect", "", 6, true, {}}));
}

TEST(WindowsNetworkProbe, LiveWineTables_ListLoopbackAndNameEveryFailure) {
  SystemNetwork live;
  telltale::v1::Snapshot s;
  NetworkProbe(live).collect({}, s);
  bool loopback = false;
  for (const auto& i : s.network().interfaces()) loopback = loopback || i.kind() == "loopback";
  EXPECT_TRUE(loopback) << s.DebugString();
  for (const auto& e : s.errors()) EXPECT_FALSE(e.path().empty()) << e.message();
}

}  // namespace
