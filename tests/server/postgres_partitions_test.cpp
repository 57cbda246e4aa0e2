// PostgreSQL keeps reports in month partitions (issue 19): retention drops a
// month whole, and what stays must still rebuild — the first report after a
// dropped month becomes a full snapshot, a silent laptop keeps its state —
// while re-sent and cloned reports are still told apart without a unique
// key. Rows written where no month partition existed wait in the default
// partition until a store moves them.
#include <google/protobuf/util/message_differencer.h>

#include "support/store_backends.h"

namespace telltale::server {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kJan20 = 1'768'867'200'000;  // 2026-01-20 00:00 UTC
constexpr int64_t kMar1 = 1'772'323'200'000;   // 2026-03-01 00:00 UTC
constexpr int64_t kApr10 = 1'775'779'200'000;  // 2026-04-10 00:00 UTC

telltale::v1::Snapshot laptop(const std::string& model, int64_t at) {
  telltale::v1::Snapshot s;
  s.set_collected_at_unix_ms(at);
  s.mutable_hardware()->set_product_name(model);
  for (int i = 0; i < 6; ++i) {
    auto* d = s.add_usb_devices();
    d->set_port_path("1-" + std::to_string(i));
    d->set_product("Internal device " + std::to_string(i));
  }
  s.mutable_health()->set_rss_bytes(static_cast<uint64_t>(at / kHour));  // not material: compacted to deltas
  return s;
}

class PostgresPartitionsTest : public StoreBackendTest {
 protected:
  telltale::v1::Report send(Store& store, const std::string& id, uint64_t seq, int64_t at, const std::string& model,
                            IngestOutcome expected = IngestOutcome::kStored) {
    telltale::v1::Report r;
    r.set_seq(seq);
    *r.mutable_snapshot() = laptop(model, at);
    std::vector<IncomingReport> batch = {{id, "p", at, &r}};
    EXPECT_EQ(store.ingest(batch)[0].outcome, expected) << id << " seq " << seq;
    return r;
  }
  int64_t partition_exists(const std::string& name) {
    return query_int("SELECT count(*) FROM pg_class WHERE relname='" + name +
                     "' AND relnamespace = current_schema()::regnamespace");
  }
};

TEST_P(PostgresPartitionsTest, ExpiredMonthsAreDropped_EveryKeptReportRebuilds_SilentLaptopKeepsItsState) {
  auto store = open();
  enroll_device(*store, "d1");
  enroll_device(*store, "d2");
  // d1 every 6 hours from Jan 20 08:00 to Apr 10: a full snapshot daily at
  // 08:00, so Mar 1's first report (02:00) is a delta on Feb 28 08:00.
  std::vector<telltale::v1::Report> sent;
  uint64_t seq = 0;
  for (int64_t at = kJan20 + 8 * kHour; at < kApr10; at += 6 * kHour) sent.push_back(send(*store, "d1", ++seq, at, "T14"));
  // d2 reported once, in January, and never again.
  const auto d2_last = send(*store, "d2", 1, kJan20 + 50 * kHour, "X1 Carbon");

  // The test's months are long before the real clock's: the rows waited in
  // the default partition. A store that opens (a second collector) moves them.
  EXPECT_EQ(query_int("SELECT count(*) FROM reports_default"), static_cast<int64_t>(sent.size()) + 1);
  auto second = open();
  EXPECT_EQ(query_int("SELECT count(*) FROM reports_default"), 0);
  for (const char* m : {"reports_y2026m01", "reports_y2026m02", "reports_y2026m03", "reports_y2026m04"})
    EXPECT_EQ(partition_exists(m), 1) << m;

  int64_t before_march = 0;
  for (const auto& r : sent) before_march += r.snapshot().collected_at_unix_ms() < kMar1;
  ASSERT_EQ(query_int("SELECT (kind='delta')::int FROM reports WHERE device_id='d1' AND received_ms=" +
                      std::to_string(kMar1 + 2 * kHour)),
            1);

  // A 30-day window at Apr 10: the cutoff is Mar 11, so January and February
  // (ending Mar 1) go whole; March stays whole although it starts earlier.
  RetentionPolicy policy;
  policy.history_ms = 30 * 24 * kHour;
  const auto result = second->prune(policy, kApr10, 1000);
  EXPECT_EQ(result.reports, static_cast<uint64_t>(before_march + 1));
  EXPECT_EQ(partition_exists("reports_y2026m01"), 0);
  EXPECT_EQ(partition_exists("reports_y2026m02"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM reports WHERE received_ms < " + std::to_string(kMar1)), 0);

  // The first kept report now carries its whole snapshot ...
  EXPECT_EQ(query_int("SELECT (kind='snapshot')::int FROM reports WHERE device_id='d1' AND received_ms=" +
                      std::to_string(kMar1 + 2 * kHour)),
            1);
  // ... so every kept report rebuilds to what was sent.
  for (const auto& r : sent) {
    if (r.snapshot().collected_at_unix_ms() < kMar1) {
      EXPECT_FALSE(second->snapshot_at("d1", r.seq())) << r.seq();
      continue;
    }
    auto rebuilt = second->snapshot_at("d1", r.seq());
    ASSERT_TRUE(rebuilt) << r.seq();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*rebuilt, r.snapshot())) << r.seq();
  }
  EXPECT_EQ(second->oldest_rows().reports_ms, kMar1 + 2 * kHour);
  // The silent laptop's state outlives the month that held its report.
  auto d2 = second->latest_snapshot("d2");
  ASSERT_TRUE(d2);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*d2, d2_last.snapshot()));

  // Without a unique key, a re-send is still a duplicate and a clone a conflict.
  const auto& kept = sent[sent.size() - 3];
  std::vector<IncomingReport> again = {{"d1", "p", kApr10, &kept}};
  EXPECT_EQ(second->ingest(again)[0].outcome, IngestOutcome::kDuplicate);
  auto clone = kept;
  clone.mutable_snapshot()->mutable_hardware()->set_product_name("another laptop");
  std::vector<IncomingReport> cloned = {{"d1", "p", kApr10, &clone}};
  EXPECT_EQ(second->ingest(cloned)[0].outcome, IngestOutcome::kConflict);
  const auto next = send(*second, "d1", ++seq, kApr10 + kHour, "T14");
  auto latest = second->latest_snapshot("d1");
  ASSERT_TRUE(latest);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*latest, next.snapshot()));
}

TEST_P(PostgresPartitionsTest, MonthBoundsAreUtcCalendarMonths) {
  auto store = open();
  enroll_device(*store, "d1");
  // The last millisecond of February and the first of March land apart.
  send(*store, "d1", 1, kMar1 - 1, "T14");
  send(*store, "d1", 2, kMar1, "T14");
  open();  // moves them out of the default partition
  EXPECT_EQ(query_int("SELECT count(*) FROM reports_y2026m02"), 1);
  EXPECT_EQ(query_int("SELECT count(*) FROM reports_y2026m03"), 1);
  // December rolls over into January of the next year.
  send(*store, "d1", 3, 1'798'761'599'999, "T14");  // 2026-12-31 23:59:59.999
  send(*store, "d1", 4, 1'798'761'600'000, "T14");  // 2027-01-01 00:00
  open();
  EXPECT_EQ(query_int("SELECT count(*) FROM reports_y2026m12"), 1);
  EXPECT_EQ(query_int("SELECT count(*) FROM reports_y2027m01"), 1);
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresPartitionsTest, ::testing::Values("postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace telltale::server
