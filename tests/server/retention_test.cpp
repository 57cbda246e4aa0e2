// Retention (issue 19) on both backends: each kind pruned by its own
// window, history cut only where every kept report still rebuilds, small
// batches, sqlite's freed pages returned, and the figures /metrics shows.
// Time is a test Clock, never a sleep.
#include <google/protobuf/util/message_differencer.h>

#include "server/store/retention_task.h"
#include "support/store_backends.h"

namespace telltale::server {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kStart = 1'780'000'000'000;

class TestClock final : public Clock {
 public:
  explicit TestClock(int64_t now) : now_(now) {}
  int64_t now_ms() override { return now_; }
  int64_t now_;
};

telltale::v1::Snapshot laptop(int hour) {
  telltale::v1::Snapshot s;
  s.set_collected_at_unix_ms(kStart + hour * kHour);
  s.mutable_hardware()->set_product_name("Latitude 7440");
  for (int i = 0; i < 8; ++i) {
    auto* d = s.add_usb_devices();
    d->set_port_path("1-" + std::to_string(i));
    d->set_product("Internal device " + std::to_string(i) + " with a long enough product string");
  }
  s.mutable_time()->set_iana_zone("Europe/Berlin");
  s.mutable_health()->set_rss_bytes(1000 + static_cast<uint64_t>(hour));
  return s;
}

class RetentionTest : public StoreBackendTest {
 protected:
  // `hours` hourly reports of device d1 (compacted: a full snapshot a day),
  // each with one event, and a verdict per report.
  std::vector<telltale::v1::Report> feed(Store& store, int hours) {
    std::vector<telltale::v1::Report> sent(static_cast<size_t>(hours));
    for (int h = 0; h < hours; ++h) {
      auto& r = sent[static_cast<size_t>(h)];
      r.set_seq(static_cast<uint64_t>(h + 1));
      *r.mutable_snapshot() = laptop(h);
      r.add_events()->set_at_unix_ms(kStart + h * kHour);
      std::vector<IncomingReport> batch = {{"d1", "p", kStart + h * kHour, &r}};
      EXPECT_EQ(store.ingest(batch)[0].outcome, IngestOutcome::kStored);
      store.save_verdict({"d1", kStart + h * kHour, "clean", 0, "{}"});
    }
    return sent;
  }
  int64_t rows(const std::string& table) { return query_int("SELECT count(*) FROM " + table); }
};

TEST_P(RetentionTest, HistoryOlderThanTheWindow_GoesBelowAFullSnapshot_AndEveryKeptReportStillRebuilds) {
  auto store = open();
  enroll_device(*store, "d1");
  auto sent = feed(*store, 72);  // three days: full snapshots at hours 0, 24, 48
  ASSERT_EQ(query_int("SELECT count(*) FROM reports WHERE kind='snapshot'"), 3);
  RetentionPolicy policy;
  policy.history_ms = 30 * kHour;  // at hour 72 the window starts at hour 42
  auto result = store->prune(policy, kStart + 72 * kHour, 1000);
  EXPECT_FALSE(result.more);
  if (postgres()) {
    // PostgreSQL drops history a month partition at a time, once the whole
    // month is older than the window (postgres_partitions_test.cpp): these
    // three days of May all stay.
    EXPECT_EQ(result.reports, 0u);
    EXPECT_EQ(rows("reports"), 72);
    return;
  }
  // Hour 24's full snapshot is the newest before the window: hours 0-23 go,
  // hours 24-41 stay because 42-47 are deltas on it.
  EXPECT_EQ(result.reports, 24u);
  EXPECT_EQ(rows("reports"), 48);
  for (size_t h = 24; h < sent.size(); ++h) {
    auto rebuilt = store->snapshot_at("d1", sent[h].seq());
    ASSERT_TRUE(rebuilt) << "hour " << h;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*rebuilt, sent[h].snapshot())) << "hour " << h;
  }
  EXPECT_FALSE(store->snapshot_at("d1", 5));  // pruned, and said so rather than rebuilt wrong
  EXPECT_EQ(store->oldest_rows().reports_ms, kStart + 24 * kHour);
}

TEST_P(RetentionTest, EachKindKeepsItsOwnWindow_AndTheLatestVerdictStays) {
  auto store = open();
  enroll_device(*store, "d1");
  feed(*store, 48);
  RetentionPolicy policy;
  policy.events_ms = 12 * kHour;
  policy.verdicts_ms = 6 * kHour;  // history_ms 0: reports kept forever
  auto result = store->prune(policy, kStart + 48 * kHour, 1000);
  EXPECT_EQ(result.reports, 0u);
  EXPECT_EQ(result.events, 36u);    // hours 0-35
  EXPECT_EQ(result.verdicts, 42u);  // hours 0-41
  EXPECT_EQ(rows("reports"), 48);
  EXPECT_EQ(rows("events"), 12);
  EXPECT_EQ(rows("verdicts"), 6);
  RetentionPolicy all_verdicts;
  all_verdicts.verdicts_ms = 1;
  store->prune(all_verdicts, kStart + 100 * kDay, 1000);
  EXPECT_EQ(rows("verdicts"), 0);
  ASSERT_EQ(store->latest_verdicts().size(), 1u);
  EXPECT_EQ(store->latest_verdicts()[0].evaluated_unix_ms, kStart + 47 * kHour);
}

TEST_P(RetentionTest, ConflictingReportsKeptApart_ArePrunedByTheirWindow) {
  auto store = open();
  enroll_device(*store, "d1");
  auto sent = feed(*store, 2);
  telltale::v1::Report clone = sent[0];
  clone.mutable_snapshot()->mutable_hardware()->set_product_name("another laptop");
  std::vector<IncomingReport> batch = {{"d1", "p", kStart + kHour, &clone}};
  ASSERT_EQ(store->ingest(batch)[0].outcome, IngestOutcome::kConflict);
  RetentionPolicy policy;
  policy.conflicts_ms = kDay;
  EXPECT_EQ(store->prune(policy, kStart + kHour + kDay - 1, 100).conflicts, 0u);
  EXPECT_EQ(store->prune(policy, kStart + kHour + kDay + 1, 100).conflicts, 1u);
  EXPECT_EQ(rows("report_conflicts"), 0);
  EXPECT_EQ(store->device("d1")->conflicting_reports, 1u);  // the flag stays
}

TEST_P(RetentionTest, TaskPrunesInSmallBatchesUntilDone_AndMetricsShowTheOldestRowPerKind) {
  auto store = open();
  enroll_device(*store, "d1");
  feed(*store, 48);
  TestClock clock(kStart + 48 * kHour);
  RetentionOptions options;
  options.policy.events_ms = 10 * kHour;
  options.batch_rows = 5;
  RetentionTask task(*store, options, clock);
  RetentionPolicy events_only = options.policy;
  EXPECT_TRUE(store->prune(events_only, clock.now_ms(), 5).more);  // one batch is not all of it
  auto pass = task.run_once();
  EXPECT_EQ(pass.events, 38u - 5u);
  EXPECT_EQ(rows("events"), 10);
  const auto text = task.metrics_text();
  EXPECT_NE(text.find("telltale_store_oldest_row_unix_ms{kind=\"events\"} " + std::to_string(kStart + 38 * kHour)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("telltale_store_oldest_row_unix_ms{kind=\"reports\"} " + std::to_string(kStart)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("telltale_retention_pruned_rows_total{kind=\"events\"} 33"), std::string::npos) << text;
  // The clock moves on a day: the next pass takes the rest.
  clock.now_ = kStart + 72 * kHour;
  EXPECT_EQ(task.run_once().events, 10u);
  EXPECT_EQ(store->oldest_rows().events_ms, 0);
}

TEST_P(RetentionTest, NewSqliteDatabase_ReturnsPrunedPagesToTheFileSystem) {
  if (postgres()) GTEST_SKIP() << "PostgreSQL returns space through autovacuum";
  auto store = open();
  enroll_device(*store, "d1");
  EXPECT_EQ(query_int("PRAGMA auto_vacuum"), 2);  // INCREMENTAL
  feed(*store, 24 * 6);
  query_int("PRAGMA wal_checkpoint(TRUNCATE)");
  const int64_t pages_before = query_int("PRAGMA page_count");
  RetentionPolicy policy;
  policy.history_ms = kDay;
  policy.events_ms = kDay;
  policy.verdicts_ms = kDay;
  ASSERT_GT(store->prune(policy, kStart + 24 * 6 * kHour, 100000).total(), 0u);
  query_int("PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_LT(query_int("PRAGMA page_count"), pages_before);
  EXPECT_EQ(query_int("PRAGMA freelist_count"), 0);
}

INSTANTIATE_STORE_BACKENDS(RetentionTest);

}  // namespace
}  // namespace telltale::server
