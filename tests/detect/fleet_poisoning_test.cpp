// Finding 11 of the hardening review: one enrolled device could raise
// another's verdict by reporting an EDID whose serial string equals the
// victim's monitor serial (fleet.shared_monitor_serial at the next
// correlation). A shared serial now counts only with the identical hardware
// behind it (raw EDID / USB descriptors) and a history on every member, and
// the device that copies a serial onto other hardware is flagged itself.
#include <gtest/gtest.h>

#include "detect/detect_test_support.h"
#include "server/detect/engine.h"
#include "server/detect/hardware_history.h"

namespace telltale::detect {
namespace {

constexpr int64_t kHour = 3600000;
constexpr int64_t kT0 = 1763478000000;  // the victim's snapshot time

// A docked laptop with two Dell monitors (serials 8KZ3R83, 9LZ3R83).
telltale::v1::Snapshot victim_snapshot() { return testing::load_scenario_snapshot("docked-two-monitors-lid-closed"); }

// A clean laptop that reports an external "Dell" whose EDID carries the
// victim's serial string. `same_bytes`: the victim's raw EDID copied
// byte for byte; otherwise a real other monitor's EDID with the serial
// descriptor edited (what a forger without access to the victim's monitor has).
telltale::v1::Snapshot attacker_snapshot(bool same_bytes) {
  auto snap = testing::load_scenario_snapshot("clean-home-laptop");
  const auto victim = victim_snapshot();
  auto* d = snap.add_displays();
  *d = victim.displays(1);
  d->set_connector("card0-HDMI-A-1");
  if (!same_bytes) {
    std::string raw = d->edid_raw();
    raw[16] = static_cast<char>(raw[16] + 1);  // another week of manufacture: another monitor
    raw[127] = static_cast<char>(raw[127] - 1);
    d->set_edid_raw(raw);
  }
  return snap;
}

struct Device {
  FleetDevice fleet;
  telltale::v1::Snapshot snap;
};

Device device(const std::string& id, const std::string& assignee, telltale::v1::Snapshot snap) {
  Device d{fleet_device_from_snapshot(id, snap, Catalog::builtin()), std::move(snap)};
  d.fleet.assignee = assignee;
  d.fleet.gateway_mac = "gw-" + id;  // every laptop at its own home
  d.fleet.egress_ip = "";
  d.fleet.bssid = "";
  return d;
}

// Feeds `reports` snapshots, `every` apart on the collector's clock, into the history.
void seen(HardwareHistory& h, Device& d, int reports, int64_t from, int64_t every) {
  for (int i = 0; i < reports; ++i) d.fleet.sightings = h.observe(d.fleet, from + i * every, from + i * every);
}

telltale::v1::Verdict verdict_of(const Engine& engine, const Device& d, const std::vector<telltale::v1::Cluster>& all) {
  DeviceContext ctx;
  ctx.device_id = d.fleet.device_id;
  ctx.now_unix_ms = kT0 + 48 * kHour;
  ctx.clusters = Engine::clusters_of(all, d.fleet.device_id);
  return engine.evaluate(d.snap, ctx);
}

bool has_indicator(const telltale::v1::Verdict& v, const std::string& id) {
  for (const auto& i : v.indicators())
    if (i.id() == id) return true;
  return false;
}

TEST(FleetPoisoning, AttackerReportsVictimsMonitorSerialWithAnotherEdid_VictimUnchanged_AttackerFlagged) {
  Engine engine;
  HardwareHistory history;
  auto victim = device("dev-victim", "victim@example.com", victim_snapshot());
  auto attacker = device("dev-attacker", "attacker@example.com", attacker_snapshot(false));
  ASSERT_EQ(attacker.fleet.monitor_serials.back(), victim.fleet.monitor_serials.front()) << "the serial is copied";
  ASSERT_NE(attacker.fleet.monitor_fingerprints.back(), victim.fleet.monitor_fingerprints.front());
  seen(history, victim, 12, kT0, 4 * kHour);  // two days on the victim's desk
  const auto before = verdict_of(engine, victim, engine.correlate({victim.fleet}));

  seen(history, attacker, 1, kT0 + 48 * kHour, 0);
  const auto clusters = engine.correlate({victim.fleet, attacker.fleet});
  const auto after = verdict_of(engine, victim, clusters);
  EXPECT_EQ(after.level(), before.level());
  EXPECT_EQ(after.score(), before.score());
  EXPECT_FALSE(has_indicator(after, "fleet.shared_monitor_serial"));
  EXPECT_TRUE(Engine::clusters_of(clusters, "dev-victim").empty());

  const auto mine = Engine::clusters_of(clusters, "dev-attacker");
  ASSERT_EQ(mine.size(), 1u);
  const auto& borrowed = mine.front();
  EXPECT_EQ(borrowed.kind(), "borrowed_monitor_serial");
  EXPECT_EQ(borrowed.members_size(), 1);
  std::string evidence;
  for (const auto& f : borrowed.evidence()) evidence += f.key() + "=" + f.value() + "\n";
  EXPECT_NE(evidence.find("held by=dev-victim showed " + victim.fleet.monitor_serials.front()), std::string::npos)
      << evidence;
  EXPECT_NE(evidence.find("in 12 snapshots"), std::string::npos) << evidence;
  const auto flagged = verdict_of(engine, attacker, clusters);
  EXPECT_TRUE(has_indicator(flagged, "fleet.borrowed_monitor_serial")) << flagged.ShortDebugString();
}

TEST(FleetPoisoning, AttackerCopiesTheWholeEdidForOneReport_IsNotCorroborated_VictimUnchanged) {
  Engine engine;
  HardwareHistory history;
  auto victim = device("dev-victim", "victim@example.com", victim_snapshot());
  auto attacker = device("dev-attacker", "attacker@example.com", attacker_snapshot(true));
  ASSERT_EQ(attacker.fleet.monitor_fingerprints.back(), victim.fleet.monitor_fingerprints.front());
  seen(history, victim, 12, kT0, 4 * kHour);
  seen(history, attacker, 1, kT0 + 48 * kHour, 0);
  const auto clusters = engine.correlate({victim.fleet, attacker.fleet});
  EXPECT_TRUE(Engine::clusters_of(clusters, "dev-victim").empty());
}

// Snapshot collection times come from the device: twenty snapshots claiming
// to span a week, sent within a minute, are twenty reports but a minute of
// the collector's time, and corroborate nothing.
TEST(FleetPoisoning, AttackerFloodsSnapshotsWithFakedCollectionTimes_IsNotCorroborated) {
  Engine engine;
  HardwareHistory history;
  auto victim = device("dev-victim", "victim@example.com", victim_snapshot());
  auto attacker = device("dev-attacker", "attacker@example.com", attacker_snapshot(true));
  seen(history, victim, 12, kT0, 4 * kHour);
  for (int i = 0; i < 20; ++i)
    attacker.fleet.sightings = history.observe(attacker.fleet, kT0 - i * 8 * kHour, kT0 + 48 * kHour + i * 3000);
  EXPECT_EQ(attacker.fleet.sightings.front().reports, 20u);
  EXPECT_TRUE(Engine::clusters_of(engine.correlate({victim.fleet, attacker.fleet}), "dev-victim").empty());
}

TEST(FleetPoisoning, AttackerCopiesAKvmSerialOntoOtherDescriptors_VictimUnchanged_AttackerFlagged) {
  Engine engine;
  HardwareHistory history;
  auto victim = device("dev-victim", "victim@example.com", testing::load_scenario_snapshot("fixture-pikvm-laptop"));
  auto forged_snap = testing::load_scenario_snapshot("clean-home-laptop");
  for (const auto& u : victim.snap.usb_devices())
    if (u.serial() == "CAFEBABE") {
      auto* copy = forged_snap.add_usb_devices();
      *copy = u;
      copy->set_bcd_device(u.bcd_device() + 1);
      copy->set_product("USB Keyboard");
    }
  auto attacker = device("dev-attacker", "attacker@example.com", forged_snap);
  ASSERT_EQ(attacker.fleet.kvm_serials, victim.fleet.kvm_serials);
  seen(history, victim, 12, kT0, 4 * kHour);
  seen(history, attacker, 1, kT0 + 48 * kHour, 0);
  const auto clusters = engine.correlate({victim.fleet, attacker.fleet});
  for (const auto& c : Engine::clusters_of(clusters, "dev-victim")) ADD_FAILURE() << "victim in " << c.id();
  const auto mine = Engine::clusters_of(clusters, "dev-attacker");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine.front().kind(), "borrowed_kvm_serial");
}

TEST(FleetPoisoning, TwoLaptopsOfTwoAssigneesBehindOneKvm_IdenticalEdidOverSeveralReports_AreClustered) {
  Engine engine;
  HardwareHistory history;
  auto a = device("dev-farm-a", "jordan@example.com", victim_snapshot());
  auto b = device("dev-farm-b", "alex@example.com", victim_snapshot());
  // Too early: one report each is not yet a farm.
  seen(history, a, 1, kT0, 0);
  seen(history, b, 1, kT0 + 60000, 0);
  EXPECT_TRUE(engine.correlate({a.fleet, b.fleet}).empty());
  seen(history, a, 8, kT0 + kHour, 3 * kHour);
  seen(history, b, 8, kT0 + kHour + 60000, 3 * kHour);
  const auto clusters = engine.correlate({a.fleet, b.fleet});
  ASSERT_EQ(clusters.size(), 2u);  // both monitors of the desk
  for (const auto& c : clusters) {
    EXPECT_EQ(c.kind(), "shared_monitor_serial");
    EXPECT_EQ(c.members_size(), 2);
    std::string evidence;
    for (const auto& f : c.evidence()) evidence += f.key() + "=" + f.value() + "\n";
    EXPECT_NE(evidence.find("same hardware=identical EDID on every member"), std::string::npos) << evidence;
  }
  EXPECT_TRUE(has_indicator(verdict_of(engine, a, clusters), "fleet.shared_monitor_serial"));
  EXPECT_TRUE(has_indicator(verdict_of(engine, b, clusters), "fleet.shared_monitor_serial"));
}

// Cheap monitors ship one serial for the whole model: seen behind three
// different EDIDs it identifies nobody and convicts nobody.
TEST(FleetPoisoning, ModelWidePlaceholderSerialBehindThreeEdids_NeitherClustersNorFlags) {
  Engine engine;
  HardwareHistory history;
  std::vector<FleetDevice> fleet;
  for (int i = 0; i < 3; ++i) {
    auto d = device("dev-" + std::to_string(i), "person" + std::to_string(i) + "@example.com",
                    attacker_snapshot(i == 0));
    d.fleet.monitor_fingerprints.back() += std::to_string(i);
    seen(history, d, 10, kT0 + i * kHour, 3 * kHour);
    fleet.push_back(d.fleet);
  }
  EXPECT_TRUE(engine.correlate(fleet).empty());
}

TEST(HardwareHistory, SameSnapshotSeenByTwoCorrelations_CountsOnce_AndTimesAreTheCollectors) {
  HardwareHistory history;
  auto d = device("dev-1", "a@example.com", victim_snapshot());
  history.observe(d.fleet, 111, kT0);
  auto s = history.observe(d.fleet, 111, kT0 + kHour);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].reports, 1u);
  s = history.observe(d.fleet, 112, kT0 + 2 * kHour);
  EXPECT_EQ(s[0].reports, 2u);
  EXPECT_EQ(s[0].first_unix_ms, kT0);
  EXPECT_EQ(s[0].last_unix_ms, kT0 + 2 * kHour);
  history.retain_only({});
  EXPECT_EQ(history.observe(d.fleet, 113, kT0 + 3 * kHour)[0].reports, 1u) << "a removed device starts over";
}

}  // namespace
}  // namespace telltale::detect
