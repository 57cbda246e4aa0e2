// Fleet correlation: farms (many assignees behind one network, one KVM or
// monitor serial on many laptops, silences together) against the ordinary
// fleet (homes, hotels, offices).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "detect/detect_test_support.h"
#include "server/detect/engine.h"

namespace telltale::detect {
namespace {

constexpr int64_t kDay = 86400000, kHour = 3600000;
constexpr int64_t kStart = 1760000000000;  // 30 days of history from here
const char* kStates[] = {"US-AZ", "US-CA", "US-CO", "US-FL", "US-GA", "US-IL",
                         "US-MA", "US-NC", "US-NY", "US-OH", "US-TX", "US-WA"};

// Hourly reports over 30 days.
std::vector<int64_t> hourly(int64_t from = kStart, int days = 30) {
  std::vector<int64_t> t;
  for (int64_t x = from; x < from + days * kDay; x += kHour) t.push_back(x);
  return t;
}

FleetDevice laptop(int i, std::string gateway, std::string egress, std::string bssid) {
  FleetDevice d;
  d.device_id = "dev-" + std::to_string(100 + i);
  d.assignee = "employee" + std::to_string(i) + "@example.com";
  d.expected_region = kStates[i % 12];
  d.gateway_mac = std::move(gateway);
  d.egress_ip = std::move(egress);
  d.bssid = std::move(bssid);
  d.seen_unix_ms = hourly();
  return d;
}

TEST(FleetRules, TwelveEmployeesInTwelveStatesBehindOneGateway_AreOneCluster) {
  std::vector<FleetDevice> fleet;
  for (int i = 0; i < 12; ++i) fleet.push_back(laptop(i, "a4:2b:b0:c1:22:3e", "203.0.113.50", "a4:2b:b0:c1:22:40"));
  auto clusters = Engine().correlate(fleet);
  ASSERT_EQ(clusters.size(), 1u);
  const auto& c = clusters[0];
  EXPECT_EQ(c.kind(), "shared_gateway_mac");
  EXPECT_EQ(c.id(), "shared_gateway_mac:a4:2b:b0:c1:22:3e");
  EXPECT_EQ(c.members_size(), 12);
  EXPECT_EQ(c.first_seen_unix_ms(), kStart);
  std::vector<std::string> facts;
  for (const auto& f : c.evidence()) facts.push_back(f.key() + "=" + f.value());
  EXPECT_NE(std::find(facts.begin(), facts.end(), "devices=12 laptops of 12 assignees"), facts.end());
  EXPECT_NE(std::find(facts.begin(), facts.end(), "also shared egress_ip=203.0.113.50"), facts.end());
  EXPECT_NE(std::find(facts.begin(), facts.end(), "also shared bssid=a4:2b:b0:c1:22:40"), facts.end());
}

TEST(FleetRules, TwelveLaptopsInTwelveHomes_NoCluster) {
  std::vector<FleetDevice> fleet;
  for (int i = 0; i < 12; ++i) {
    std::string n = std::to_string(10 + i);
    fleet.push_back(laptop(i, "a4:2b:b0:c1:22:" + n, "198.51.100." + n, "a4:2b:b0:c1:23:" + n));
  }
  EXPECT_TRUE(Engine().correlate(fleet).empty());
}

TEST(FleetRules, ColleaguesTwoNightsInOneHotel_NoCluster_ButAWeekLongStayWould) {
  auto offsite = [](int nights) {
    std::vector<FleetDevice> fleet;
    for (int i = 0; i < 5; ++i) {
      std::string n = std::to_string(10 + i);
      auto d = laptop(i, "00:90:7f:aa:10:01", "198.51.100.200", "00:90:7f:aa:10:02");
      int64_t arrive = kStart + 30 * kDay - nights * kDay;
      for (int64_t t = kStart; t < arrive; t += 6 * kHour)
        d.network_history.push_back({t, "a4:2b:b0:c1:22:" + n, "203.0.113." + n, "a4:2b:b0:c1:23:" + n});
      for (int64_t t = arrive; t < kStart + 30 * kDay; t += 6 * kHour)
        d.network_history.push_back({t, d.gateway_mac, d.egress_ip, d.bssid});
      fleet.push_back(std::move(d));
    }
    return Engine().correlate(fleet);
  };
  EXPECT_TRUE(offsite(2).empty());
  EXPECT_EQ(offsite(7).size(), 1u);
}

TEST(FleetRules, KnownOfficeNetwork_IsIgnored) {
  std::vector<FleetDevice> fleet;
  for (int i = 0; i < 20; ++i) fleet.push_back(laptop(i, "", "192.0.2.10", ""));
  EXPECT_EQ(Engine().correlate(fleet).size(), 1u);
  DetectConfig cfg;
  cfg.known_shared_networks = {"192.0.2.10"};
  EXPECT_TRUE(Engine(Catalog::builtin(), cfg).correlate(fleet).empty());
}

TEST(FleetRules, TwoPeopleSharingAHome_AreBelowTheAssigneeMinimum) {
  std::vector<FleetDevice> fleet = {laptop(0, "a4:2b:b0:c1:22:3e", "", ""), laptop(1, "a4:2b:b0:c1:22:3e", "", "")};
  EXPECT_TRUE(Engine().correlate(fleet).empty());
}

TEST(FleetRules, OneKvmSerialOnSeveralLaptops_ClustersButOnePersonsTwoLaptopsDoNot) {
  auto snap = testing::load_scenario_snapshot("pikvm-v3-otg");
  auto d = fleet_device_from_snapshot("dev-1", snap, Catalog::builtin());
  ASSERT_EQ(d.kvm_serials.size(), 1u);
  EXPECT_EQ(d.kvm_serials[0], "1d6b:0104:CAFEBABE");
  ASSERT_EQ(d.monitor_serials.size(), 1u);
  EXPECT_EQ(d.monitor_serials[0], "LNX:7771:CAFEBABE");
  EXPECT_EQ(d.gateway_mac, "a4:2b:b0:c1:22:3e");

  // The same KVM and its EDID on three laptops, each for days (a serial
  // alone, or seen once, corroborates nothing: fleet_poisoning_test.cpp).
  auto on_the_kvm = [](FleetDevice f) {
    f.kvm_serials = {"1d6b:0104:CAFEBABE"};
    f.kvm_fingerprints = {"usb-fp-pikvm"};
    f.monitor_serials = {"LNX:7771:CAFEBABE"};
    f.monitor_fingerprints = {"edid-fp-pikvm"};
    f.sightings = {{"1d6b:0104:CAFEBABE", "usb-fp-pikvm", kStart, kStart + 10 * kDay, 240},
                   {"LNX:7771:CAFEBABE", "edid-fp-pikvm", kStart, kStart + 10 * kDay, 240}};
    return f;
  };
  std::vector<FleetDevice> fleet;
  for (int i = 0; i < 3; ++i) fleet.push_back(on_the_kvm(laptop(i, "gw" + std::to_string(i), "", "")));
  auto clusters = Engine().correlate(fleet);
  ASSERT_EQ(clusters.size(), 2u);
  EXPECT_EQ(clusters[0].kind(), "shared_kvm_serial");
  EXPECT_EQ(clusters[1].kind(), "shared_monitor_serial");

  auto a = on_the_kvm(laptop(0, "gw", "", "")), b = on_the_kvm(laptop(1, "gw2", "", ""));
  b.assignee = a.assignee;
  EXPECT_TRUE(Engine().correlate({a, b}).empty());
}

TEST(FleetRules, LaptopsSilentAndBackTogetherTwice_Cluster_HomesWithJitteredNightsDoNot) {
  std::mt19937 rng(7);
  std::vector<FleetDevice> fleet;
  // A farm of six: two power cuts, all reports stop and resume within a minute.
  for (int i = 0; i < 6; ++i) {
    auto d = laptop(i, "gw" + std::to_string(i), "", "");
    std::vector<int64_t> seen;
    for (int64_t t : d.seen_unix_ms) {
      bool cut1 = t > kStart + 10 * kDay + 2 * kHour && t < kStart + 10 * kDay + 9 * kHour;
      bool cut2 = t > kStart + 20 * kDay + 4 * kHour && t < kStart + 20 * kDay + 7 * kHour;
      if (!cut1 && !cut2) seen.push_back(t + i * 1000);
    }
    d.seen_unix_ms = seen;
    fleet.push_back(d);
  }
  // Thirty homes: laptops off at night, at times of their own.
  for (int i = 6; i < 36; ++i) {
    auto d = laptop(i, "home" + std::to_string(i), "", "");
    std::vector<int64_t> seen;
    std::uniform_int_distribution<int64_t> jitter(0, 3 * kHour);
    for (int day = 0; day < 30; ++day) {
      int64_t on = kStart + day * kDay + 13 * kHour + jitter(rng), off = kStart + day * kDay + 22 * kHour + jitter(rng);
      for (int64_t t = on; t < off; t += 5 * 60000) seen.push_back(t);
    }
    d.seen_unix_ms = seen;
    fleet.push_back(d);
  }
  auto clusters = Engine().correlate(fleet);
  ASSERT_EQ(clusters.size(), 1u);
  EXPECT_EQ(clusters[0].kind(), "silent_together");
  EXPECT_EQ(clusters[0].members_size(), 6);
  EXPECT_EQ(clusters[0].members(0), "dev-100");
  EXPECT_NE(clusters[0].evidence(0).value().find("went silent and came back together 2 times"), std::string::npos);
}

TEST(FleetRules, ClusterMembership_BecomesAFleetIndicatorInTheVerdict) {
  std::vector<FleetDevice> fleet;
  for (int i = 0; i < 12; ++i) fleet.push_back(laptop(i, "a4:2b:b0:c1:22:3e", "203.0.113.50", ""));
  Engine engine;
  auto clusters = engine.correlate(fleet);
  auto snap = testing::load_scenario_snapshot("clean-home-laptop");
  DeviceContext ctx;
  ctx.device_id = "dev-103";
  ctx.clusters = Engine::clusters_of(clusters, ctx.device_id);
  ASSERT_EQ(ctx.clusters.size(), 1u);
  auto v = engine.evaluate(snap, ctx);
  ASSERT_EQ(v.cluster_ids_size(), 1);
  EXPECT_EQ(v.cluster_ids(0), "shared_gateway_mac:a4:2b:b0:c1:22:3e");
  ASSERT_GE(v.indicators_size(), 1);
  EXPECT_EQ(v.indicators(0).id(), "fleet.shared_gateway_mac");
  EXPECT_EQ(v.indicators(0).category(), "fleet");
  // A farm-sized cluster alone is suspicious, never puppeteered.
  EXPECT_EQ(v.level(), "suspicious");
  ctx.device_id = "dev-999";
  EXPECT_EQ(engine.evaluate(snap, ctx).level(), "clean");
}

}  // namespace
}  // namespace telltale::detect
