// Compact history (issue 19): an unchanged laptop's reports are stored as
// deltas, a material change or a day without a full snapshot stores a full
// one, and every past report still rebuilds to exactly what the agent sent.
// Both backends (StoreBackendTest), the real stores on real databases.
#include <google/protobuf/util/message_differencer.h>

#include "server/store/compact_history.h"
#include "support/store_backends.h"

namespace telltale::server {
namespace {

using google::protobuf::util::MessageDifferencer;
constexpr int64_t kFiveMinutes = 5 * 60 * 1000;
constexpr int64_t kStart = 1'780'000'000'000;

// A laptop as the agent describes it; `i` moves only the volatile parts.
telltale::v1::Snapshot laptop(int i) {
  telltale::v1::Snapshot s;
  s.set_collected_at_unix_ms(kStart + i * kFiveMinutes);
  s.set_platform("linux");
  s.mutable_hardware()->set_product_name("ThinkPad T14 Gen 3");
  auto* usb = s.add_usb_devices();
  usb->set_vendor_id(0x046d);
  usb->set_product_id(0xc52b);
  usb->set_product("USB Receiver");
  for (int port = 1; port <= 12; ++port) {  // hubs, camera, fingerprint reader…: what a docked laptop lists
    auto* d = s.add_usb_devices();
    d->set_port_path("3-" + std::to_string(port));
    d->set_vendor_id(0x8086 + static_cast<uint32_t>(port));
    d->set_manufacturer("Manufacturer of port " + std::to_string(port));
    d->set_product("Internal device on port " + std::to_string(port));
    d->set_serial("SERIAL-" + std::to_string(port * 7919));
  }
  s.mutable_lid()->set_present(true);
  s.mutable_time()->set_iana_zone("America/Chicago");
  s.mutable_time()->set_utc_offset_seconds(-6 * 3600);
  s.mutable_time()->set_agent_clock_unix_ms(kStart + i * kFiveMinutes + 17);
  s.mutable_health()->set_rss_bytes(9'000'000 + static_cast<uint64_t>(i % 7) * 4096);
  s.mutable_health()->set_cpu_percent(0.1 * (i % 3));
  s.mutable_latency()->mutable_collector()->set_samples(10);
  s.mutable_latency()->mutable_collector()->set_median_us(20'000 + static_cast<uint32_t>(i % 5) * 100);
  return s;
}

class CompactHistoryTest : public StoreBackendTest {
 protected:
  std::unique_ptr<Store> open_with(HistoryPolicy policy) {
    StoreOptions o;
    o.history = policy;
    return open_store(target(), o);
  }
  // Ingests one report per snapshot, five minutes apart, seq 1..n.
  static std::vector<telltale::v1::Report> feed(Store& store, const std::vector<telltale::v1::Snapshot>& snaps,
                                                uint64_t first_seq = 1) {
    std::vector<telltale::v1::Report> reports;
    for (size_t i = 0; i < snaps.size(); ++i) {
      telltale::v1::Report r;
      r.set_seq(first_seq + i);
      r.set_created_at_unix_ms(snaps[i].collected_at_unix_ms());
      *r.mutable_snapshot() = snaps[i];
      reports.push_back(r);
      std::vector<IncomingReport> batch = {{"d1", "p", snaps[i].collected_at_unix_ms(), &reports.back()}};
      EXPECT_EQ(store.ingest(batch)[0].outcome, IngestOutcome::kStored) << "seq " << r.seq();
    }
    return reports;
  }
  int64_t count_kind(const std::string& kind) {
    return query_int("SELECT count(*) FROM reports WHERE device_id='d1' AND kind='" + kind + "'");
  }
  void expect_rebuilds_exactly(Store& store, const std::vector<telltale::v1::Report>& sent) {
    for (const auto& r : sent) {
      auto rebuilt = store.snapshot_at("d1", r.seq());
      ASSERT_TRUE(rebuilt) << "seq " << r.seq();
      EXPECT_TRUE(MessageDifferencer::Equals(*rebuilt, r.snapshot())) << "seq " << r.seq();
    }
  }
};

TEST_P(CompactHistoryTest, UnchangedLaptopForADay_StoresOneFullSnapshotAndRebuildsEveryReportExactly) {
  auto store = open();
  enroll_device(*store, "d1");
  std::vector<telltale::v1::Snapshot> day;
  for (int i = 0; i < 288; ++i) day.push_back(laptop(i));
  auto sent = feed(*store, day);
  EXPECT_EQ(count_kind("snapshot"), 1);
  EXPECT_EQ(count_kind("delta"), 287);
  expect_rebuilds_exactly(*store, sent);
  EXPECT_TRUE(MessageDifferencer::Equals(*store->latest_snapshot("d1"), day.back()));
  // The stored day is a fraction of the full snapshots it replaced.
  const auto stored = query_int("SELECT sum(" + length_function() + "(payload)) FROM reports WHERE device_id='d1'");
  int64_t received = 0;
  for (const auto& r : sent) received += static_cast<int64_t>(r.ByteSizeLong());
  EXPECT_LT(stored * 2, received);
}

TEST_P(CompactHistoryTest, KeyboardPluggedInAndZoneChanged_AreFullSnapshotsAtTheChange) {
  auto store = open();
  enroll_device(*store, "d1");
  std::vector<telltale::v1::Snapshot> snaps;
  for (int i = 0; i < 10; ++i) snaps.push_back(laptop(i));
  for (int i = 4; i < 10; ++i) {
    auto* kb = snaps[i].add_usb_devices();
    kb->set_vendor_id(0x1d6b);
    kb->set_product_id(0x0104);
    kb->set_product("PiKVM Composite");
  }
  for (int i = 7; i < 10; ++i) snaps[i].mutable_time()->set_iana_zone("Asia/Seoul");
  auto sent = feed(*store, snaps);
  EXPECT_EQ(count_kind("snapshot"), 3);  // seq 1, the keyboard (5), the zone (8)
  EXPECT_EQ(query_int("SELECT count(*) FROM reports WHERE device_id='d1' AND kind='snapshot' AND seq IN (1,5,8)"), 3);
  expect_rebuilds_exactly(*store, sent);
}

TEST_P(CompactHistoryTest, ADayAfterTheLastFullSnapshot_TheNextOneIsStoredFull) {
  HistoryPolicy policy;
  policy.full_snapshot_every_ms = 6 * 3600 * 1000;
  auto store = open_with(policy);
  enroll_device(*store, "d1");
  std::vector<telltale::v1::Snapshot> snaps;
  for (int i = 0; i < 12 * 13; ++i) snaps.push_back(laptop(i));  // 13 hours
  auto sent = feed(*store, snaps);
  EXPECT_EQ(count_kind("snapshot"), 3);  // 0 h, 6 h, 12 h
  expect_rebuilds_exactly(*store, sent);
}

TEST_P(CompactHistoryTest, CompactionOff_StoresEverySnapshotAsReceived) {
  HistoryPolicy policy;
  policy.compact = false;
  auto store = open_with(policy);
  enroll_device(*store, "d1");
  std::vector<telltale::v1::Snapshot> snaps;
  for (int i = 0; i < 5; ++i) snaps.push_back(laptop(i));
  auto sent = feed(*store, snaps);
  EXPECT_EQ(count_kind("snapshot"), 5);
  expect_rebuilds_exactly(*store, sent);
}

TEST_P(CompactHistoryTest, ReSentCompactedReport_IsADuplicate_AnotherReportUnderItsSeqIsAConflict) {
  auto store = open();
  enroll_device(*store, "d1");
  std::vector<telltale::v1::Snapshot> snaps;
  for (int i = 0; i < 3; ++i) snaps.push_back(laptop(i));
  auto sent = feed(*store, snaps);
  ASSERT_EQ(count_kind("delta"), 2);
  std::vector<IncomingReport> resend = {{"d1", "p", kStart + 99, &sent[1]}};
  EXPECT_EQ(store->ingest(resend)[0].outcome, IngestOutcome::kDuplicate);
  telltale::v1::Report clone = sent[1];
  clone.mutable_snapshot()->mutable_health()->set_rss_bytes(1);  // another agent's report under seq 2
  std::vector<IncomingReport> other = {{"d1", "p", kStart + 100, &clone}};
  EXPECT_EQ(store->ingest(other)[0].outcome, IngestOutcome::kConflict);
  EXPECT_EQ(store->device("d1")->conflicting_reports, 1u);
  expect_rebuilds_exactly(*store, sent);
}

TEST_P(CompactHistoryTest, ReportsArrivingOutOfOrder_AreStoredFullAndStillRebuildExactly) {
  auto store = open();
  enroll_device(*store, "d1");
  std::vector<telltale::v1::Report> sent(4);
  for (int i = 0; i < 4; ++i) {
    sent[i].set_seq(i + 1);
    *sent[i].mutable_snapshot() = laptop(i);
  }
  // A reconnect to another collector: seq 3 and 4 arrive before 2.
  for (int i : {0, 2, 3, 1}) {
    std::vector<IncomingReport> batch = {{"d1", "p", kStart + i * kFiveMinutes, &sent[i]}};
    EXPECT_EQ(store->ingest(batch)[0].outcome, IngestOutcome::kStored);
  }
  // 3 followed a gap and 2 came late: both full; 4 continued 3 in order.
  EXPECT_EQ(query_int("SELECT count(*) FROM reports WHERE device_id='d1' AND kind='snapshot' AND seq IN (1,2,3)"), 3);
  EXPECT_EQ(count_kind("delta"), 1);
  expect_rebuilds_exactly(*store, sent);
  EXPECT_TRUE(MessageDifferencer::Equals(*store->latest_snapshot("d1"), sent[3].snapshot()));
}

TEST_P(CompactHistoryTest, HotplugEventsBetweenCollections_DoNotBreakTheChain) {
  auto store = open();
  enroll_device(*store, "d1");
  auto sent = feed(*store, {laptop(0), laptop(1)});
  telltale::v1::Report events;
  events.set_seq(3);
  events.add_events()->set_at_unix_ms(kStart + 7 * 60 * 1000);
  std::vector<IncomingReport> batch = {{"d1", "p", kStart + 7 * 60 * 1000, &events}};
  ASSERT_EQ(store->ingest(batch)[0].outcome, IngestOutcome::kStored);
  auto later = feed(*store, {laptop(2), laptop(3)}, 4);
  EXPECT_EQ(count_kind("events"), 1);
  EXPECT_EQ(count_kind("snapshot"), 1);
  expect_rebuilds_exactly(*store, sent);
  expect_rebuilds_exactly(*store, later);
}

TEST_P(CompactHistoryTest, HistoryStoredBeforeCompaction_StaysReadable) {
  // A database from before schema 7 / PostgreSQL 4: every report full, and
  // an events-only report stored with kind 'snapshot'.
  HistoryPolicy off;
  off.compact = false;
  std::vector<telltale::v1::Report> sent;
  {
    auto old = open_with(off);
    enroll_device(*old, "d1");
    sent = feed(*old, {laptop(0), laptop(1)});
    telltale::v1::Report events;
    events.set_seq(3);
    events.add_events()->set_at_unix_ms(kStart);
    std::vector<IncomingReport> batch = {{"d1", "p", kStart + 1, &events}};
    old->ingest(batch);
    telltale::v1::Report delta;  // an agent-sent delta after it
    delta.set_seq(4);
    delta.mutable_delta()->add_changed_sections("time");
    *delta.mutable_delta()->mutable_changed()->mutable_time() = laptop(1).time();
    delta.mutable_delta()->mutable_changed()->mutable_time()->set_iana_zone("Asia/Seoul");
    batch = {{"d1", "p", kStart + 2, &delta}};
    old->ingest(batch);
  }
  if (postgres())
    query_int("WITH u AS (UPDATE reports SET kind='snapshot' WHERE kind='events' RETURNING 1) SELECT count(*) FROM u");
  else
    query_int("UPDATE reports SET kind='snapshot' WHERE kind='events' RETURNING 1");
  auto store = open();
  expect_rebuilds_exactly(*store, sent);
  auto at4 = store->snapshot_at("d1", 4);
  ASSERT_TRUE(at4);
  EXPECT_EQ(at4->time().iana_zone(), "Asia/Seoul");
  EXPECT_EQ(at4->hardware().product_name(), "ThinkPad T14 Gen 3");
}

INSTANTIATE_STORE_BACKENDS(CompactHistoryTest);

TEST(MaterialChange, ClockReadingsAndCountersAreNotMaterial_AZoneOrADeviceIs) {
  auto a = laptop(0), b = laptop(1);
  EXPECT_FALSE(materially_changed(a, b));
  b.mutable_lid()->set_switch_changes(3);
  EXPECT_FALSE(materially_changed(a, b));
  b.mutable_lid()->set_closed(true);
  EXPECT_TRUE(materially_changed(a, b));
  auto c = laptop(1);
  c.mutable_time()->set_iana_zone("Asia/Seoul");
  EXPECT_TRUE(materially_changed(a, c));
  auto d = laptop(1);
  d.clear_usb_devices();
  EXPECT_TRUE(materially_changed(a, d));
}

}  // namespace
}  // namespace telltale::server
