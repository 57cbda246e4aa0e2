// KVMs on the laptop's LAN (issue 17, item 4): neighbour-table MACs against
// the catalog's [[mac_prefix]] data. Passive by construction: the agent only
// reports what the kernel's neighbour table already holds.
#include <gtest/gtest.h>

#include <algorithm>

#include "detect/detect_test_support.h"
#include "server/detect/engine.h"

namespace telltale::detect {
namespace {

using telltale::v1::Snapshot;

bool has(const telltale::v1::Verdict& v, const std::string& id) {
  return std::any_of(v.indicators().begin(), v.indicators().end(), [&](const auto& i) { return i.id() == id; });
}

Snapshot laptop_with_neighbour(const std::string& ip, const std::string& mac, const std::string& state = "complete") {
  auto s = testing::load_scenario_snapshot("fixture-clean-home-laptop");
  auto* n = s.mutable_network()->add_neighbours();
  n->set_ip(ip);
  n->set_mac(mac);
  n->set_interface_name("wlp2s0");
  n->set_state(state);
  return s;
}

TEST(NetworkNeighbours, CleanHomeLaptopBaseline_IsClean) {
  auto s = testing::load_scenario_snapshot("fixture-clean-home-laptop");
  EXPECT_EQ(Engine().evaluate(s, {}).level(), "clean");
}

TEST(NetworkNeighbours, JetKvmOnTheLan_IsAMakerNeighbourInPlainWords) {
  const auto v = Engine().evaluate(laptop_with_neighbour("192.168.1.40", "30:52:53:0a:1b:2c"), {});
  ASSERT_TRUE(has(v, "network.kvm_maker_neighbour")) << render_text(v);
  const auto text = render_text(v);
  EXPECT_NE(text.find("neighbour 192.168.1.40 on wlp2s0: MAC 30:52:53:0a:1b:2c belongs to JetKVM"), std::string::npos) << text;
  EXPECT_EQ(v.level(), "clean") << "a KVM next to the laptop is a lead, not a verdict\n" << text;
}

TEST(NetworkNeighbours, TinyPilotsTwentyEightBitBlock_MatchesOnlyInsideIt) {
  EXPECT_TRUE(has(Engine().evaluate(laptop_with_neighbour("192.168.1.41", "04:c9:8b:1f:00:01"), {}), "network.kvm_maker_neighbour"));
  // 04:C9:8B:2… is another company's block of the same OUI.
  EXPECT_FALSE(has(Engine().evaluate(laptop_with_neighbour("192.168.1.41", "04:c9:8b:2f:00:01"), {}), "network.kvm_maker_neighbour"));
}

TEST(NetworkNeighbours, RaspberryPi_IsOnlyWeakEvidence) {
  const auto v = Engine().evaluate(laptop_with_neighbour("192.168.1.42", "DC-A6-32-11-22-33"), {});
  EXPECT_TRUE(has(v, "network.kvm_board_neighbour")) << render_text(v);
  EXPECT_FALSE(has(v, "network.kvm_maker_neighbour"));
  EXPECT_EQ(v.level(), "clean");
}

TEST(NetworkNeighbours, GlinetRouterAsTheDefaultGateway_IsARouterNotAKvm) {
  auto s = laptop_with_neighbour("192.168.1.1", "94:83:c4:00:11:22");
  ASSERT_EQ(s.network().default_gateway_ip(), "192.168.1.1");
  EXPECT_FALSE(has(Engine().evaluate(s, {}), "network.kvm_maker_neighbour"));
  // The same prefix elsewhere on the LAN counts (a GL.iNet Comet).
  EXPECT_TRUE(has(Engine().evaluate(laptop_with_neighbour("192.168.1.60", "94:83:c4:00:11:22"), {}), "network.kvm_maker_neighbour"));
}

TEST(NetworkNeighbours, OrdinaryAndIncompleteNeighbours_RaiseNothing) {
  EXPECT_FALSE(has(Engine().evaluate(laptop_with_neighbour("192.168.1.50", "a4:83:e7:01:02:03"), {}), "network.kvm_maker_neighbour"));
  EXPECT_FALSE(has(Engine().evaluate(laptop_with_neighbour("192.168.1.40", "30:52:53:0a:1b:2c", "incomplete"), {}),
                   "network.kvm_maker_neighbour"));
}

TEST(NetworkNeighbours, CatalogPrefixes_AreLongestMatch) {
  const auto* p = Catalog::builtin().find_mac_prefix("04:C9:8B:1F:00:01");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->id, "mac.tinypilot");
  EXPECT_EQ(Catalog::builtin().find_mac_prefix("not a mac"), nullptr);
  EXPECT_EQ(Catalog::builtin().find_mac_prefix("30:52:53"), nullptr);  // too short to be an address
}

}  // namespace
}  // namespace telltale::detect
