// The hardware history behind shared-serial clusters lives in the store: a
// collector that restarts (sqlite: the same file) or a second collector that
// takes the correlation lease (PostgreSQL: the same database) correlates at
// once with everything seen so far, instead of forgetting every monitor for
// shared_serial_min_span_hours. Real stores, the real detection engine, the
// collector's clock played forward.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "detect/detect_test_support.h"
#include "server/verdicts/verdict_service.h"
#include "support/store_backends.h"

namespace telltale::server {
namespace {

constexpr int64_t kHour = 3600000;
constexpr int64_t kT0 = 1763478000000;

class HardwareHistoryRestartTest : public StoreBackendTest {
 protected:
  void enroll(Store& store, const std::string& id, const std::string& employee) {
    enroll_device(store, id);
    assignments_.push_back({id, employee, employee + "@example.com", "America/Chicago", "US-IL"});
    store.replace_assignments(assignments_);
  }

  // The device reports `snapshot` now (a new snapshot: its own collection time).
  void report(Store& store, const std::string& id, telltale::v1::Snapshot snapshot) {
    telltale::v1::Report r;
    r.set_seq(++seq_[id]);
    snapshot.set_collected_at_unix_ms(now_ - 1000);
    *r.mutable_snapshot() = std::move(snapshot);
    std::vector<IncomingReport> batch = {{id, "ipv4:198.51.100.7:40000", now_, &r}};
    ASSERT_EQ(store.ingest(batch).at(0).outcome, IngestOutcome::kStored);
  }

  std::unique_ptr<VerdictService> collector(Store& store) {
    VerdictServiceOptions options;
    options.clock = [this] { return now_; };
    return std::make_unique<VerdictService>(store, detect::Engine(), options);
  }

  static std::vector<StoredCluster> of_kind(Store& store, const std::string& kind) {
    std::vector<StoredCluster> out;
    for (auto& c : store.clusters())
      if (c.kind == kind) out.push_back(c);
    return out;
  }

  int64_t now_ = kT0;

 private:
  std::vector<Assignment> assignments_;
  std::map<std::string, uint64_t> seq_;
};

telltale::v1::Snapshot desk_snapshot() {
  return detect::testing::load_scenario_snapshot("docked-two-monitors-lid-closed");
}

// A clean laptop showing the desk's second monitor serial on another EDID.
telltale::v1::Snapshot borrowed_serial_snapshot() {
  auto snap = detect::testing::load_scenario_snapshot("clean-home-laptop");
  auto* d = snap.add_displays();
  *d = desk_snapshot().displays(1);
  d->set_connector("card0-HDMI-A-1");
  std::string raw = d->edid_raw();
  raw[16] = static_cast<char>(raw[16] + 1);  // another week of manufacture: another monitor
  raw[127] = static_cast<char>(raw[127] - 1);
  d->set_edid_raw(raw);
  return snap;
}

TEST_P(HardwareHistoryRestartTest, FarmCorroboratedBeforeARestart_IsStillClusteredAtTheFirstCorrelationAfter) {
  std::vector<StoredCluster> before;
  {
    auto store = open();
    enroll(*store, "dev-farm-a", "jordan");
    enroll(*store, "dev-farm-b", "alex");
    auto service = collector(*store);
    for (int round = 0; round < 3; ++round) {  // three snapshots each over six hours
      now_ = kT0 + round * 3 * kHour;
      report(*store, "dev-farm-a", desk_snapshot());
      report(*store, "dev-farm-b", desk_snapshot());
      service->correlate_fleet();
      if (round == 0) {
        EXPECT_TRUE(of_kind(*store, "shared_monitor_serial").empty()) << "one report is no farm yet";
      }
    }
    before = of_kind(*store, "shared_monitor_serial");
    ASSERT_EQ(before.size(), 2u) << "both monitors of the desk";
  }
  // The collector restarts (postgresql: another collector takes the lease)
  // a minute later, before either laptop has reported again.
  now_ += 60000;
  auto store = open();
  store->replace_clusters({});  // nothing carried over but the history itself
  auto service = collector(*store);
  service->correlate_fleet();
  const auto after = of_kind(*store, "shared_monitor_serial");
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].cluster_id, before[i].cluster_id);
    EXPECT_EQ(after[i].members, before[i].members);
  }
  const auto rows = store->hardware_sightings("dev-farm-a");
  ASSERT_FALSE(rows.empty());
  for (const auto& r : rows) {
    EXPECT_EQ(r.snapshots, 3) << r.serial << ": the snapshot already counted is not counted again";
    EXPECT_EQ(r.last_seen_unix_ms - r.first_seen_unix_ms, 6 * kHour) << r.serial;
  }
  const auto verdict = service->evaluate_device("dev-farm-b");
  ASSERT_TRUE(verdict);
  bool shared = false;
  for (const auto& i : verdict->indicators()) shared |= i.id() == "fleet.shared_monitor_serial";
  EXPECT_TRUE(shared) << verdict->ShortDebugString();
}

TEST_P(HardwareHistoryRestartTest, SerialHeldForHoursBeforeARestart_IsFlaggedAsBorrowedByTheFirstCopyAfter) {
  {
    auto store = open();
    enroll(*store, "dev-holder", "jordan");
    auto service = collector(*store);
    for (int round = 0; round < 3; ++round) {
      now_ = kT0 + round * 3 * kHour;
      report(*store, "dev-holder", desk_snapshot());
      service->correlate_fleet();
    }
  }
  now_ += kHour;
  auto store = open();
  enroll(*store, "dev-copier", "alex");
  report(*store, "dev-copier", borrowed_serial_snapshot());
  auto service = collector(*store);
  service->correlate_fleet();
  const auto borrowed = of_kind(*store, "borrowed_monitor_serial");
  ASSERT_EQ(borrowed.size(), 1u);
  EXPECT_EQ(borrowed[0].members, std::vector<std::string>{"dev-copier"});
  EXPECT_TRUE(of_kind(*store, "shared_monitor_serial").empty()) << "the holder is not clustered with the copy";
  const auto verdict = service->evaluate_device("dev-copier");
  ASSERT_TRUE(verdict);
  bool flagged = false;
  for (const auto& i : verdict->indicators()) flagged |= i.id() == "fleet.borrowed_monitor_serial";
  EXPECT_TRUE(flagged) << verdict->ShortDebugString();
}

TEST_P(HardwareHistoryRestartTest, ARevokedFarmLaptopsHistoryGoes_AndItsMateIsNoLongerClustered) {
  auto store = open();
  enroll(*store, "dev-farm-a", "jordan");
  enroll(*store, "dev-farm-b", "alex");
  auto service = collector(*store);
  for (int round = 0; round < 3; ++round) {
    now_ = kT0 + round * 3 * kHour;
    report(*store, "dev-farm-a", desk_snapshot());
    report(*store, "dev-farm-b", desk_snapshot());
    service->correlate_fleet();
  }
  ASSERT_FALSE(of_kind(*store, "shared_monitor_serial").empty());
  ASSERT_TRUE(store->revoke_device("dev-farm-a"));
  now_ += 60000;
  service->correlate_fleet();
  EXPECT_TRUE(store->hardware_sightings("dev-farm-a").empty());
  EXPECT_FALSE(store->hardware_sightings("dev-farm-b").empty());
  EXPECT_TRUE(of_kind(*store, "shared_monitor_serial").empty());
}

INSTANTIATE_STORE_BACKENDS(HardwareHistoryRestartTest);

}  // namespace
}  // namespace telltale::server
