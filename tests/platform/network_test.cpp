#include "platform/linux/network.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "platform/decode/proc_net_addr.h"
#include "platform/decode/proc_net_route.h"
#include "sensor_test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace telltale::decode;
using telltale::platform::linux_probe::NetworkProbe;

using sensor_test::kFixtures;

telltale::v1::Snapshot collect(const fs::path& root) {
  NetworkProbe probe;
  return sensor_test::collect_from(probe, root);
}

const telltale::v1::NetworkInterface* nic(const telltale::v1::Snapshot& s, const std::string& name) {
  for (const auto& n : s.network().interfaces())
    if (n.name() == name) return &n;
  return nullptr;
}

TEST(ProcNetRoute, TwoDefaultRoutes_LowestMetricWins) {
  auto routes = parse_proc_net_route(
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
      "eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
      "eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
      "garbage line\n");
  ASSERT_EQ(routes.size(), 3u);
  auto gw = default_route(routes);
  ASSERT_TRUE(gw);
  EXPECT_EQ(gw->iface, "eth0");
  EXPECT_EQ(ipv4_from_route_word(gw->gateway), "10.0.0.1");
  EXPECT_EQ(prefix_length(routes[2].mask), 24);
  EXPECT_FALSE(prefix_length(0x00FF00FF));
}

TEST(ProcNetArp, IncompleteEntriesKeepTheirFlagAndMacsAreLowercased) {
  auto arp = parse_proc_net_arp(
      "IP address       HW type     Flags       HW address            Mask     Device\n"
      "192.168.1.1      0x1         0x2         A0:63:91:2B:5C:10     *        wlp2s0\n"
      "192.168.1.77     0x1         0x0         00:00:00:00:00:00     *        wlp2s0\n"
      "bad\n");
  ASSERT_EQ(arp.size(), 2u);
  EXPECT_EQ(arp[0].mac, "a0:63:91:2b:5c:10");
  EXPECT_EQ(arp[0].flags, 2u);
  EXPECT_EQ(arp[1].flags, 0u);
}

TEST(ProcNetAddr, FibTrieLocalHostsAndIfInet6_Parse) {
  auto v4 = parse_fib_trie_local_addresses(
      "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n"
      "     |-- 192.168.1.0\n        /24 link UNICAST\n     |-- 192.168.1.23\n        /32 host LOCAL\n"
      "Local:\n     |-- 192.168.1.23\n        /32 host LOCAL\n");
  EXPECT_EQ(v4, std::vector<std::string>{"192.168.1.23"});
  auto v6 = parse_if_inet6("fe800000000000007a2b46fffe012345 03 40 20 80   wlp2s0\nzz 01 80 10 80 lo\n");
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_EQ(v6[0].address, "fe80::7a2b:46ff:fe01:2345");
  EXPECT_EQ(v6[0].prefix, 64u);
  EXPECT_EQ(v6[0].iface, "wlp2s0");
}

TEST(NetworkProbe, CleanHomeLaptopOnWifi_ShowsRouterMacSsidAndBssid) {
  auto s = collect(kFixtures / "clean-home-laptop");
  EXPECT_EQ(s.errors_size(), 0);
  const auto& n = s.network();
  EXPECT_EQ(n.default_gateway_ip(), "192.168.1.1");
  EXPECT_EQ(n.default_gateway_mac(), "a0:63:91:2b:5c:10");
  EXPECT_EQ(n.default_interface(), "wlp2s0");
  EXPECT_EQ(n.wifi_ssid(), "HomeNet");
  EXPECT_EQ(n.wifi_bssid(), "a0:63:91:2b:5c:12");
  EXPECT_TRUE(n.vpn_interfaces().empty());
  EXPECT_TRUE(n.egress_ip().empty());
  const auto* wifi = nic(s, "wlp2s0");
  ASSERT_NE(wifi, nullptr);
  EXPECT_EQ(wifi->kind(), "wifi");
  EXPECT_TRUE(wifi->up());
  EXPECT_FALSE(wifi->virtual_interface());
  EXPECT_EQ(wifi->driver(), "iwlwifi");
  EXPECT_EQ(wifi->mac(), "7a:2b:46:01:23:45");
  EXPECT_EQ(std::vector<std::string>(wifi->addresses().begin(), wifi->addresses().end()),
            (std::vector<std::string>{"192.168.1.23/24", "fe80::7a2b:46ff:fe01:2345/64"}));
  EXPECT_EQ(nic(s, "lo")->kind(), "loopback");
  EXPECT_EQ(nic(s, "docker0")->kind(), "bridge");
  EXPECT_TRUE(nic(s, "docker0")->virtual_interface());
  EXPECT_EQ(nic(s, "docker0")->addresses(0), "172.17.0.1/16");
}

TEST(NetworkProbe, KoreanLaptopWithTunnel_ListsTunAsVpnAndKeepsWifiGateway) {
  auto s = collect(kFixtures / "korean-ime-laptop");
  EXPECT_EQ(s.network().default_gateway_mac(), "88:36:6c:1a:2b:3c");
  EXPECT_EQ(std::vector<std::string>(s.network().vpn_interfaces().begin(), s.network().vpn_interfaces().end()),
            std::vector<std::string>{"tun0"});
  EXPECT_EQ(nic(s, "tun0")->kind(), "tun");
  EXPECT_EQ(nic(s, "tun0")->addresses(0), "10.8.0.6/24");
  // No NetworkManager state in this tree: SSID unknown rather than guessed.
  EXPECT_EQ(s.network().wifi_ssid(), "");
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

constexpr const char* kArpHeader = "IP address       HW type     Flags       HW address            Mask     Device\n";

TEST(NetworkProbe, NeighbourTable_ListsEveryLanNeighbourWithItsState) {
  // A laptop whose LAN also holds a JetKVM and a TinyPilot (their makers'
  // prefixes), a Raspberry Pi, a static entry and one that never answered.
  sensor_test::TempRoot root("neigh");
  write_file(root.path / "proc/net/route",
             "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
             "wlp2s0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
             "wlp2s0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n");
  write_file(root.path / "proc/net/arp",
             std::string(kArpHeader) +
                 "192.168.1.1      0x1         0x2         a0:63:91:2b:5c:10     *        wlp2s0\n"
                 "192.168.1.40     0x1         0x2         30:52:53:0a:1b:2c     *        wlp2s0\n"
                 "192.168.1.41     0x1         0x2         04:c9:8b:1f:00:01     *        wlp2s0\n"
                 "192.168.1.42     0x1         0x2         dc:a6:32:11:22:33     *        wlp2s0\n"
                 "192.168.1.50     0x1         0x6         00:11:22:33:44:55     *        wlp2s0\n"
                 "192.168.1.77     0x1         0x0         00:00:00:00:00:00     *        wlp2s0\n");
  auto s = collect(root.path);
  const auto& n = s.network();
  EXPECT_EQ(n.default_gateway_mac(), "a0:63:91:2b:5c:10");
  ASSERT_EQ(n.neighbours_size(), 5);  // the unanswered entry has no address to report
  EXPECT_EQ(n.neighbours(1).ip(), "192.168.1.40");
  EXPECT_EQ(n.neighbours(1).mac(), "30:52:53:0a:1b:2c");
  EXPECT_EQ(n.neighbours(1).interface_name(), "wlp2s0");
  EXPECT_EQ(n.neighbours(1).state(), "complete");
  EXPECT_EQ(n.neighbours(4).state(), "permanent");
}

TEST(NetworkProbe, NeighbourTableWithoutDefaultRoute_IsStillRead) {
  sensor_test::TempRoot root("neigh-noroute");
  write_file(root.path / "proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");
  write_file(root.path / "proc/net/arp",
             std::string(kArpHeader) + "169.254.10.2     0x1         0x2         30:52:53:0a:1b:2c     *        usb0\n");
  auto s = collect(root.path);
  ASSERT_EQ(s.network().neighbours_size(), 1);
  EXPECT_EQ(s.network().neighbours(0).interface_name(), "usb0");
}

TEST(NetworkProbe, HugeNeighbourTable_KeepsTheFirst256AndSaysSo) {
  sensor_test::TempRoot root("neigh-huge");
  std::string arp = kArpHeader;
  for (int i = 0; i < 300; ++i) {
    char line[128];
    std::snprintf(line, sizeof line, "10.0.%d.%d       0x1         0x2         02:00:00:00:%02x:%02x     *        eth0\n", i / 250,
                  i % 250 + 1, i / 256, i % 256);
    arp += line;
  }
  write_file(root.path / "proc/net/arp", arp);
  auto s = collect(root.path);
  EXPECT_EQ(s.network().neighbours_size(), 256);
  bool said = false;
  for (const auto& e : s.errors()) said = said || e.message().find("300 neighbour entries, kept the first 256") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(NetworkProbe, NoRouteTable_IsReportedNotFatal) {
  sensor_test::TempRoot root("net");
  auto s = collect(root.path);
  ASSERT_GE(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).path(), "proc/net/route");
  EXPECT_EQ(s.network().default_gateway_ip(), "");
}

}  // namespace
