#include "agent/spool/spool.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace telltale::agent {
namespace {

class FakeClock final : public Clock {
 public:
  int64_t now_unix_ms() const override { return now_ms; }
  uint64_t monotonic_us() const override { return static_cast<uint64_t>(now_ms) * 1000; }
  int64_t now_ms = 1'700'000'000'000;
};

telltale::v1::Report snapshot_report(size_t padding = 0) {
  telltale::v1::Report r;
  r.mutable_snapshot()->mutable_hardware()->set_product_name(std::string(padding, 'x'));
  return r;
}

TEST(Spool, SeqIsAssignedMonotonicallyAndSurvivesReopening) {
  testing::TempDir dir;
  FakeClock clock;
  {
    Spool spool(dir.path() / "spool.db", {}, clock);
    EXPECT_EQ(spool.append(snapshot_report()), 1u);
    EXPECT_EQ(spool.append(snapshot_report()), 2u);
    spool.acknowledge(1);
    spool.acknowledge(2);
  }
  Spool reopened(dir.path() / "spool.db", {}, clock);
  EXPECT_EQ(reopened.append(snapshot_report()), 3u) << "a seq is never reused, even when the spool was empty";
}

TEST(Spool, OnlyAcknowledgedReportsLeave) {
  testing::TempDir dir;
  FakeClock clock;
  Spool spool(dir.path() / "spool.db", {}, clock);
  for (int i = 0; i < 5; ++i) spool.append(snapshot_report());
  spool.acknowledge(2);
  spool.acknowledge(4);
  spool.acknowledge(99);  // a duplicate ack from an earlier session is harmless
  auto pending = spool.pending(0, 100);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].seq(), 1u);
  EXPECT_EQ(pending[1].seq(), 3u);
  EXPECT_EQ(pending[2].seq(), 5u);
  EXPECT_EQ(spool.pending(3, 100).size(), 1u);
}

TEST(Spool, CollectorDownForAWeek_StaysUnderItsByteCapKeepsNewestSnapshotAndEventsAndRecordsTheGap) {
  testing::TempDir dir;
  FakeClock clock;
  SpoolLimits limits;
  limits.max_bytes = 200 * 1024;
  Spool spool(dir.path() / "spool.db", limits, clock);
  // A snapshot every 5 minutes for a week, each ~10 KB; a USB event every day.
  uint64_t last_snapshot = 0;
  for (int i = 0; i < 7 * 24 * 12; ++i) {
    auto r = snapshot_report(10 * 1024);
    if (i % 288 == 0) r.add_events()->mutable_usb()->set_port_path("1-" + std::to_string(i));
    last_snapshot = spool.append(std::move(r));
    clock.now_ms += 300'000;
  }
  auto stats = spool.stats();
  EXPECT_LE(stats.bytes, limits.max_bytes + 20 * 1024);
  EXPECT_GT(stats.gaps_recorded, 0u);
  auto pending = spool.pending(0, 100000);
  bool newest_snapshot_kept = false;
  int usb_events = 0, gaps = 0;
  for (const auto& r : pending) {
    if (r.seq() == last_snapshot && r.has_snapshot()) newest_snapshot_kept = true;
    for (const auto& e : r.events()) {
      usb_events += e.has_usb();
      gaps += e.has_spool_gap();
    }
  }
  EXPECT_TRUE(newest_snapshot_kept);
  EXPECT_EQ(usb_events, 7) << "events are never compacted away";
  EXPECT_GT(gaps, 0) << "dropped snapshots are announced, never silent";
}

TEST(Spool, ReportsOlderThanTheAgeCapAreCompactedWithAGap) {
  testing::TempDir dir;
  FakeClock clock;
  SpoolLimits limits;
  limits.max_age_ms = 3600'000;
  Spool spool(dir.path() / "spool.db", limits, clock);
  spool.append(snapshot_report());
  clock.now_ms += 2 * 3600'000;
  spool.append(snapshot_report());
  auto pending = spool.pending(0, 10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].seq(), 2u);
  ASSERT_EQ(pending[1].events_size(), 1);
  EXPECT_EQ(pending[1].events(0).spool_gap().first_seq(), 1u);
  EXPECT_EQ(pending[1].events(0).spool_gap().dropped_reports(), 1u);
}

TEST(Spool, UnwritableLocationFailsWithThePath) {
  try {
    Spool spool("/proc/nonexistent/spool.db", {});
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/nonexistent/spool.db"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace telltale::agent
