// The store contract, run against every backend: sqlite (the embedded
// default) and PostgreSQL (the server the CTest fixture postgres_start runs).
// Backend-specific checks (raw schema) go through StoreTest::query_int/exec.
#include "support/store_backends.h"

#include <thread>

namespace telltale::server {
namespace {

class StoreTest : public StoreBackendTest {};

TokenRecord token(const std::string& hash, int64_t uses, int64_t expires_ms) {
  TokenRecord t;
  t.id = hash.substr(0, 12);
  t.secret_hash = hash;
  t.created_unix_ms = 1;
  t.expires_unix_ms = expires_ms;
  t.max_uses = uses;
  return t;
}

DeviceRecord device(const std::string& id, const std::string& identity = "hw1") {
  DeviceRecord d;
  d.device_id = id;
  d.hostname = "laptop";
  d.identity_hash = identity;
  d.certificate_fingerprint = "fp-" + id;
  return d;
}

TEST_P(StoreTest, TokenUsesAreCountedAtomicallyAndRefusedWhenExhausted) {
  auto opened = open();
  Store& store = *opened;
  store.add_token(token("aaaaaaaaaaaaaaaa", 2, 1000));
  EXPECT_EQ(store.enroll("aaaaaaaaaaaaaaaa", 10, device("d1")).status, EnrollStatus::kOk);
  EXPECT_EQ(store.enroll("aaaaaaaaaaaaaaaa", 10, device("d2")).status, EnrollStatus::kOk);
  EXPECT_EQ(store.enroll("aaaaaaaaaaaaaaaa", 10, device("d3")).status, EnrollStatus::kExhausted);
  EXPECT_FALSE(store.device("d3")) << "a refused enrollment records nothing";
  EXPECT_EQ(store.enroll("aaaaaaaaaaaaaaaa", 5000, device("d4")).status, EnrollStatus::kExpired);
  EXPECT_EQ(store.enroll("unknown", 10, device("d5")).status, EnrollStatus::kUnknownToken);
}

TEST_P(StoreTest, ExpiredAndRevokedTokensAreRefused) {
  auto opened = open();
  Store& store = *opened;
  store.add_token(token("bbbbbbbbbbbbbbbb", 5, 1000));
  EXPECT_EQ(store.enroll("bbbbbbbbbbbbbbbb", 1000, device("d1")).status, EnrollStatus::kExpired);
  store.add_token(token("cccccccccccccccc", 5, 9000));
  ASSERT_TRUE(store.revoke_token("cccccccccccc"));
  EXPECT_EQ(store.enroll("cccccccccccccccc", 10, device("d1")).status, EnrollStatus::kRevokedToken);
}

TEST_P(StoreTest, ConcurrentEnrollmentsNeverOverUseAToken) {
  auto opened_a = open();
  auto opened_b = open();  // a second connection, as a second collector process would have
  Store& a = *opened_a;
  Store& b = *opened_b;
  a.add_token(token("dddddddddddddddd", 10, 1 << 30));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      for (int j = 0; j < 5; ++j) {
        auto& s = (i % 2) ? a : b;
        if (s.enroll("dddddddddddddddd", 10, device("d" + std::to_string(i * 10 + j))).status == EnrollStatus::kOk) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 10);
}

TEST_P(StoreTest, SameHardwareEnrolledTwiceIsRecordedNotMerged) {
  auto opened = open();
  Store& store = *opened;
  store.add_token(token("eeeeeeeeeeeeeeee", 5, 1 << 30));
  store.enroll("eeeeeeeeeeeeeeee", 10, device("first", "same-hw"));
  auto second = store.enroll("eeeeeeeeeeeeeeee", 20, device("second", "same-hw"));
  ASSERT_EQ(second.previous_device_ids, std::vector<std::string>{"first"});
  EXPECT_EQ(store.device("second")->previous_device_ids, std::vector<std::string>{"first"});
  EXPECT_EQ(store.devices().size(), 2u);
}

TEST_P(StoreTest, IngestIsIdempotentOnDeviceAndSeq) {
  auto opened = open();
  Store& store = *opened;
  store.add_token(token("ffffffffffffffff", 5, 1 << 30));
  store.enroll("ffffffffffffffff", 10, device("d1"));
  telltale::v1::Report r1, r2;
  r1.set_seq(1);
  r1.mutable_snapshot()->mutable_hardware()->set_product_name("first");
  r2.set_seq(2);
  r2.mutable_snapshot()->mutable_hardware()->set_product_name("second");
  std::vector<IncomingReport> batch = {{"d1", "p", 100, &r1}, {"d1", "p", 100, &r2}, {"d1", "p", 100, &r1}};
  auto results = store.ingest(batch);
  EXPECT_EQ(results[0].outcome, IngestOutcome::kStored);
  EXPECT_EQ(results[1].outcome, IngestOutcome::kStored);
  EXPECT_EQ(results[2].outcome, IngestOutcome::kDuplicate);
  // A late re-send of seq 1 never moves the state backwards.
  std::vector<IncomingReport> resend = {{"d1", "p", 200, &r1}};
  EXPECT_EQ(store.ingest(resend)[0].outcome, IngestOutcome::kDuplicate);
  EXPECT_EQ(store.latest_snapshot("d1")->hardware().product_name(), "second");
  EXPECT_EQ(store.reports("d1", 10).size(), 2u);
  EXPECT_EQ(store.device("d1")->reports, 2u);
}

TEST_P(StoreTest, DeltaIsAppliedOverTheLatestSnapshot) {
  auto opened = open();
  Store& store = *opened;
  store.add_token(token("1111111111111111", 5, 1 << 30));
  store.enroll("1111111111111111", 10, device("d1"));
  telltale::v1::Report full, delta;
  full.set_seq(1);
  full.mutable_snapshot()->mutable_hardware()->set_product_name("ThinkPad");
  full.mutable_snapshot()->mutable_time()->set_iana_zone("America/Chicago");
  delta.set_seq(2);
  delta.mutable_delta()->set_base_seq(1);
  delta.mutable_delta()->add_changed_sections("time");
  delta.mutable_delta()->mutable_changed()->mutable_time()->set_iana_zone("Asia/Seoul");
  std::vector<IncomingReport> batch = {{"d1", "p", 1, &full}, {"d1", "p", 2, &delta}};
  store.ingest(batch);
  auto s = store.latest_snapshot("d1");
  EXPECT_EQ(s->hardware().product_name(), "ThinkPad");
  EXPECT_EQ(s->time().iana_zone(), "Asia/Seoul");
}

TEST_P(StoreTest, SnapshotAtReport_RebuildsEachPastStateFromTheFullSnapshotAndItsDeltas) {
  auto opened = open();
  Store& store = *opened;
  store.add_token(token("3333333333333333", 5, 1 << 30));
  store.enroll("3333333333333333", 10, device("d1"));
  // seq 1 full (Chicago), 2 delta (Seoul), 3 delta (Tokyo), 4 full (Berlin), 5 delta (Paris).
  std::vector<telltale::v1::Report> rs(5);
  const char* zones[] = {"America/Chicago", "Asia/Seoul", "Asia/Tokyo", "Europe/Berlin", "Europe/Paris"};
  for (int i = 0; i < 5; ++i) {
    rs[i].set_seq(i + 1);
    if (i == 0 || i == 3) {
      rs[i].mutable_snapshot()->mutable_hardware()->set_product_name(i == 0 ? "ThinkPad" : "ThinkPad X1");
      rs[i].mutable_snapshot()->mutable_time()->set_iana_zone(zones[i]);
    } else {
      rs[i].mutable_delta()->set_base_seq(i);
      rs[i].mutable_delta()->add_changed_sections("time");
      rs[i].mutable_delta()->mutable_changed()->mutable_time()->set_iana_zone(zones[i]);
    }
  }
  std::vector<IncomingReport> batch;
  for (auto& r : rs) batch.push_back({"d1", "p", static_cast<int64_t>(r.seq()), &r});
  store.ingest(batch);
  for (int i = 0; i < 5; ++i) {
    auto s = store.snapshot_at("d1", i + 1);
    ASSERT_TRUE(s) << "seq " << i + 1;
    EXPECT_EQ(s->time().iana_zone(), zones[i]) << "seq " << i + 1;
    EXPECT_EQ(s->hardware().product_name(), i < 3 ? "ThinkPad" : "ThinkPad X1") << "seq " << i + 1;
  }
  EXPECT_EQ(store.snapshot_at("d1", 99)->time().iana_zone(), "Europe/Paris");  // newest at or before
  EXPECT_FALSE(store.snapshot_at("d1", 0));
  EXPECT_FALSE(store.snapshot_at("nobody", 3));
  EXPECT_EQ(store.snapshot_at("d1", 5)->SerializeAsString(), store.latest_snapshot("d1")->SerializeAsString());
}

TEST_P(StoreTest, RttHistoryIsOldestFirstSinceTheGivenTimeAndSkipsReportsWithoutSamples) {
  auto opened = open();
  Store& store = *opened;
  store.add_token(token("2222222222222222", 5, 1 << 30));
  store.enroll("2222222222222222", 10, device("d1"));
  std::vector<telltale::v1::Report> reports(4);
  for (size_t i = 0; i < reports.size(); ++i) {
    reports[i].set_seq(i + 1);
    auto* rtt = reports[i].mutable_snapshot()->mutable_latency()->mutable_collector();
    if (i != 2) {  // report 3 had no heartbeat answered: it is not a zero-latency point
      rtt->set_samples(10);
      rtt->set_median_us(1000 * (i + 1));
      rtt->set_p95_us(2000 * (i + 1));
    }
  }
  std::vector<IncomingReport> batch;
  for (size_t i = 0; i < reports.size(); ++i) batch.push_back({"d1", "p", static_cast<int64_t>(100 * (i + 1)), &reports[i]});
  store.ingest(batch);
  auto points = store.rtt_history("d1", 200, 10);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].unix_ms, 200);
  EXPECT_EQ(points[0].median_us, 2000u);
  EXPECT_EQ(points[1].unix_ms, 400);
  EXPECT_EQ(points[1].p95_us, 8000u);
  EXPECT_EQ(store.rtt_history("d1", 0, 1).size(), 1u);
  EXPECT_TRUE(store.rtt_history("nobody", 0, 10).empty());
  EXPECT_GT(store.size_bytes(), 4096u);
}

TEST_P(StoreTest, AFullSnapshotStateIsReferencedNotCopiedAndDeltasStillApply) {
  {
    auto opened = open();
    Store& store = *opened;
    store.add_token(token("3333333333333333", 5, 1 << 30));
    store.enroll("3333333333333333", 10, device("d1"));
    telltale::v1::Report full, delta, full2;
    full.set_seq(1);
    full.mutable_snapshot()->mutable_hardware()->set_product_name("ThinkPad");
    delta.set_seq(2);
    delta.mutable_delta()->set_base_seq(1);
    delta.mutable_delta()->add_changed_sections("time");
    delta.mutable_delta()->mutable_changed()->mutable_time()->set_iana_zone("Asia/Seoul");
    full2.set_seq(3);
    full2.mutable_snapshot()->mutable_hardware()->set_product_name("Latitude");
    std::vector<IncomingReport> b1 = {{"d1", "p", 1, &full}};
    store.ingest(b1);
    EXPECT_EQ(store.latest_snapshot("d1")->hardware().product_name(), "ThinkPad");
    std::vector<IncomingReport> b2 = {{"d1", "p", 2, &delta}};
    store.ingest(b2);
    EXPECT_EQ(store.latest_snapshot("d1")->hardware().product_name(), "ThinkPad");
    EXPECT_EQ(store.latest_snapshot("d1")->time().iana_zone(), "Asia/Seoul");
    std::vector<IncomingReport> b3 = {{"d1", "p", 3, &full2}};
    store.ingest(b3);
    EXPECT_EQ(store.latest_snapshot("d1")->hardware().product_name(), "Latitude");
    EXPECT_FALSE(store.latest_snapshot("d1")->has_time());
  }
  EXPECT_EQ(query_int("SELECT in_report FROM device_state WHERE device_id='d1'"), 1);
  EXPECT_EQ(query_int("SELECT " + length_function() + "(snapshot) FROM device_state WHERE device_id='d1'"), 0);
}

TEST_P(StoreTest, DatabaseFromANewerCollectorIsRefusedClearly) {
  open();
  mark_schema_version(99);
  try {
    open();
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99 is newer"), std::string::npos) << e.what();
  }
}

TEST_P(StoreTest, RevokedDevicesAreListed) {
  auto opened = open();
  Store& store = *opened;
  store.add_token(token("2222222222222222", 5, 1 << 30));
  store.enroll("2222222222222222", 10, device("d1"));
  EXPECT_TRUE(store.revoke_device("d1"));
  EXPECT_FALSE(store.revoke_device("nope"));
  EXPECT_EQ(store.revoked_device_ids(), std::vector<std::string>{"d1"});
}

}  // namespace
}  // namespace telltale::server

namespace telltale::server {
namespace {

TEST_P(StoreTest, VerdictHistoryIsKeptAndTheLatestIsListedPerDevice) {
  auto opened = open();
  Store& store = *opened;
  store.add_token(token("3333333333333333", 5, 1 << 30));
  store.enroll("3333333333333333", 10, device("d1"));
  store.save_verdict({"d1", 100, "clean", 0.0, "{}"});
  store.save_verdict({"d1", 200, "puppeteered", 9.5, "{\"verdict\":\"puppeteered\"}"});
  auto latest = store.latest_verdicts();
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].level, "puppeteered");
  EXPECT_DOUBLE_EQ(latest[0].score, 9.5);
  auto history = store.verdict_history("d1", 10);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].evaluated_unix_ms, 200);
}

TEST_P(StoreTest, ClustersAreReplacedButKeepTheirFirstSighting) {
  auto opened = open();
  Store& store = *opened;
  store.replace_clusters({{"c1", "gateway_mac", "aa:bb", {"d1", "d2"}, 100, 100, "{}"}});
  store.replace_clusters({{"c1", "gateway_mac", "aa:bb", {"d1", "d2", "d3"}, 500, 500, "{}"},
                          {"c2", "monitor_serial", "CAFEBABE", {"d4", "d5"}, 500, 500, "{}"}});
  auto clusters = store.clusters();
  ASSERT_EQ(clusters.size(), 2u);
  EXPECT_EQ(clusters[0].first_seen_unix_ms, 100);
  EXPECT_EQ(clusters[0].members.size(), 3u);
  store.replace_clusters({});
  EXPECT_TRUE(store.clusters().empty());
}

TEST_P(StoreTest, AssignmentImportReplacesTheTable) {
  auto opened = open();
  Store& store = *opened;
  store.replace_assignments({{"SN1", "Ann", "ann@example.com", "America/Chicago", "US-IL"}});
  store.replace_assignments({{"SN2", "Bo", "bo@example.com", "America/New_York", "US-NY"}});
  auto a = store.assignments();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].employee, "Bo");
}

}  // namespace
}  // namespace telltale::server

namespace telltale::server {
namespace {

TEST_P(StoreTest, SameSeqWithOtherContentIsAConflictKeptApartNotADuplicate) {
  auto opened = open();
  Store& store = *opened;
  store.add_token(token("4444444444444444", 5, 1 << 30));
  store.enroll("4444444444444444", 10, device("d1"));
  telltale::v1::Report original, clone;
  original.set_seq(1);
  original.mutable_snapshot()->mutable_hardware()->set_product_name("laptop at home");
  clone.set_seq(1);
  clone.mutable_snapshot()->mutable_hardware()->set_product_name("laptop in the farm");
  std::vector<IncomingReport> a = {{"d1", "ipv4:1.1.1.1:1", 1, &original}};
  std::vector<IncomingReport> b = {{"d1", "ipv4:2.2.2.2:2", 2, &clone}};
  EXPECT_EQ(store.ingest(a)[0].outcome, IngestOutcome::kStored);
  EXPECT_EQ(store.ingest(b)[0].outcome, IngestOutcome::kConflict);
  EXPECT_EQ(store.ingest(a)[0].outcome, IngestOutcome::kDuplicate) << "a true re-send is still a duplicate";
  EXPECT_EQ(store.device("d1")->conflicting_reports, 1u);
  EXPECT_EQ(store.latest_snapshot("d1")->hardware().product_name(), "laptop at home");
}

}  // namespace
}  // namespace telltale::server

namespace telltale::server {
namespace {
INSTANTIATE_STORE_BACKENDS(StoreTest);
}  // namespace
}  // namespace telltale::server

namespace telltale::server {
namespace {

TEST_P(StoreTest, ALeaseHasOneHolderUntilItExpiresOrIsReleased) {
  auto opened = open();
  Store& store = *opened;
  EXPECT_TRUE(store.try_acquire_lease("fleet_correlation", "collector-a", 1000, 100));
  EXPECT_FALSE(store.try_acquire_lease("fleet_correlation", "collector-b", 1000, 500)) << "a's lease still runs";
  EXPECT_TRUE(store.try_acquire_lease("fleet_correlation", "collector-a", 1000, 900)) << "the holder renews";
  EXPECT_FALSE(store.try_acquire_lease("fleet_correlation", "collector-b", 1000, 1800)) << "renewed until 1900";
  EXPECT_TRUE(store.try_acquire_lease("fleet_correlation", "collector-b", 1000, 1900)) << "expired: b takes over";
  EXPECT_TRUE(store.try_acquire_lease("fleet_report", "collector-a", 1000, 1900)) << "leases are per name";
  store.release_lease("fleet_correlation", "collector-a");  // not a's any more: no effect
  EXPECT_FALSE(store.try_acquire_lease("fleet_correlation", "collector-a", 1000, 2000));
  store.release_lease("fleet_correlation", "collector-b");
  EXPECT_TRUE(store.try_acquire_lease("fleet_correlation", "collector-a", 1000, 2000)) << "released: free at once";
}

}  // namespace
}  // namespace telltale::server
