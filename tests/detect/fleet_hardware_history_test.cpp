// HardwareHistory::fold, the logic the collector applies to a device's
// stored sightings at each correlation (the rows themselves live in the
// store: tests/server/hardware_history_restart_test.cpp).
#include <gtest/gtest.h>

#include "server/detect/hardware_history.h"

namespace telltale::detect {
namespace {

constexpr int64_t kHour = 3600000;
constexpr int64_t kT0 = 1763478000000;

FleetDevice desk(const std::vector<std::string>& monitors) {
  FleetDevice d;
  d.device_id = "dev-1";
  d.monitor_serials = monitors;
  for (const auto& m : monitors) d.monitor_fingerprints.push_back("edid-of-" + m);
  d.kvm_serials = {"1d6b:0104:CAFEBABE"};
  d.kvm_fingerprints = {"usb-of-CAFEBABE"};
  return d;
}

TEST(HardwareHistoryFold, StoredRowsGrowOnlyWithANewSnapshot_AndSayWhenTheyNeedWritingBack) {
  HardwareHistory history;
  std::vector<SightingRow> rows;
  const auto d = desk({"DEL:41a8:8KZ3R83"});
  EXPECT_TRUE(history.fold(rows, d, 111, kT0));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].kind, "monitor");
  EXPECT_EQ(rows[1].kind, "kvm");
  EXPECT_FALSE(history.fold(rows, d, 111, kT0 + kHour)) << "the same snapshot at the next correlation: nothing to write";
  EXPECT_EQ(rows[0].sighting.reports, 1u);
  EXPECT_EQ(rows[0].sighting.last_unix_ms, kT0);
  EXPECT_TRUE(history.fold(rows, d, 112, kT0 + 6 * kHour));
  EXPECT_EQ(rows[0].sighting.reports, 2u);
  EXPECT_EQ(rows[0].sighting.last_unix_ms - rows[0].sighting.first_unix_ms, 6 * kHour);
  EXPECT_EQ(rows[0].last_snapshot_id, 112);
  EXPECT_EQ(HardwareHistory::sightings_of(rows).size(), 2u);
}

TEST(HardwareHistoryFold, OneMonitorMirroredOnTwoConnectors_IsOneReportPerSnapshot) {
  HardwareHistory history;
  std::vector<SightingRow> rows;
  history.fold(rows, desk({"DEL:41a8:8KZ3R83", "DEL:41a8:8KZ3R83"}), 111, kT0);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].sighting.reports, 1u);
}

TEST(HardwareHistoryFold, BeyondTheBoundTheLeastRecentlySeenGo) {
  HardwareHistory history(4);
  std::vector<SightingRow> rows;
  history.fold(rows, desk({"old-1", "old-2", "old-3"}), 1, kT0);  // with the KVM: four rows
  history.fold(rows, desk({"new-1"}), 2, kT0 + kHour);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].sighting.last_unix_ms, kT0 + kHour);
  EXPECT_EQ(rows[1].sighting.last_unix_ms, kT0 + kHour);
  std::vector<std::string> kept;
  for (const auto& r : rows) kept.push_back(r.sighting.key);
  EXPECT_EQ(kept, (std::vector<std::string>{"1d6b:0104:CAFEBABE", "new-1", "old-1", "old-2"}))
      << "ties broken by kind then serial, as the store does";
}

}  // namespace
}  // namespace telltale::detect
