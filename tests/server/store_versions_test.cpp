// Upgrades from every earlier schema version, with data in it, on both
// stores. Each fixture in tests/fixtures/store-versions is a database at one
// version as that version's migrations built it, with rows in every table
// (make_store_versions.py writes them). The test loads it into an empty
// database, opens it with the current store, which migrates it to the
// current version, and reads everything back through the Store API — then
// keeps using it: a re-sent report is a duplicate, a new delta applies on
// top of the migrated state.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "server/store/open_store.h"
#include "server/store/postgres_store.h"
#include "server/store/sqlite_store.h"
#include "support/postgres_test_db.h"
#include "support/temp_dir.h"

namespace telltale::server {
namespace {

namespace fs = std::filesystem;
const fs::path kFixtures = fs::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/store-versions";

struct VersionFixture {
  std::string store;  // "sqlite" or "postgresql"
  int version = 0;
  fs::path path;
};

std::vector<VersionFixture> all_fixtures() {
  std::vector<VersionFixture> out;
  const std::regex name(R"((sqlite|postgresql)-v(\d+)\.sql)");
  for (const auto& entry : fs::directory_iterator(kFixtures)) {
    std::smatch m;
    const std::string file = entry.path().filename().string();
    if (std::regex_match(file, m, name)) out.push_back({m[1], std::stoi(m[2]), entry.path()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.store, a.version) < std::tie(b.store, b.version);
  });
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "-- expect: conflicts=1 lease=1 sightings=0": which data this version could
// hold; nullopt when the expect line does not name the key.
std::optional<int> expected(const std::string& sql, const std::string& key) {
  std::smatch m;
  const std::regex re("-- expect:.*\\b" + key + "=(\\d)");
  if (!std::regex_search(sql, m, re)) return std::nullopt;
  return std::stoi(m[1]);
}
int expectation(const std::string& sql, const std::string& key) {
  auto v = expected(sql, key);
  if (!v) throw std::runtime_error("fixture has no expectation for " + key);
  return *v;
}
// For data kinds added after some fixtures were written: those fixtures
// predate the table, so they hold none.
int expectation_or_zero(const std::string& sql, const std::string& key) { return expected(sql, key).value_or(0); }

class OldSchemaVersion : public ::testing::TestWithParam<VersionFixture> {
 protected:
  void SetUp() override {
    sql_ = slurp(GetParam().path);
    ASSERT_FALSE(sql_.empty()) << GetParam().path;
    if (GetParam().store == "postgresql") {
      auto server = testing::postgres_server_url();
      if (!server) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
      schema_.emplace(*server);
      schema_->exec(sql_);
      target_ = schema_->url();
    } else {
      target_ = (dir_.path() / "old.db").string();
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open(target_.c_str(), &db), SQLITE_OK);
      char* error = nullptr;
      const int rc = sqlite3_exec(db, sql_.c_str(), nullptr, nullptr, &error);
      const std::string message = error ? error : "";
      sqlite3_free(error);
      sqlite3_close(db);
      ASSERT_EQ(rc, SQLITE_OK) << GetParam().path << ": " << message;
    }
  }

  int64_t schema_version() {
    if (schema_) return schema_->query_int("SELECT MAX(version) FROM telltale_schema");
    sqlite3* db = nullptr;
    sqlite3_open(target_.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }
  int current_version() const {
    return GetParam().store == "postgresql" ? PostgresStore::kSchemaVersion : SqliteStore::kSchemaVersion;
  }

  std::string sql_;
  std::string target_;

 private:
  testing::TempDir dir_;
  std::optional<testing::PostgresTestSchema> schema_;
};

std::vector<std::string> usb_products(const telltale::v1::Snapshot& s) {
  std::vector<std::string> out;
  for (const auto& d : s.usb_devices()) out.push_back(d.product());
  return out;
}
std::vector<std::string> connectors(const telltale::v1::Snapshot& s) {
  std::vector<std::string> out;
  for (const auto& d : s.displays()) out.push_back(d.connector());
  return out;
}

TEST_P(OldSchemaVersion, OpenedByTheCurrentCollector_EverythingReadsBack) {
  auto store = open_store(target_);
  EXPECT_EQ(schema_version(), current_version()) << "opening migrates to the current version";

  // Tokens.
  auto tokens = store->tokens();
  ASSERT_EQ(tokens.size(), 2u);
  std::sort(tokens.begin(), tokens.end(), [](auto& a, auto& b) { return a.id < b.id; });
  EXPECT_EQ(tokens[0].id, "3f2a9c1b7d4e");
  EXPECT_EQ(tokens[0].uses, 2);
  EXPECT_EQ(tokens[0].max_uses, 100);
  EXPECT_EQ(tokens[0].note, "wave 1 laptops");
  EXPECT_FALSE(tokens[0].revoked);
  EXPECT_TRUE(tokens[1].revoked);

  // Devices and revocations.
  auto a = store->device("dev-a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->hostname, "lt-chicago-0142");
  EXPECT_EQ(a->serial, "PF2ABCDE");
  EXPECT_EQ(a->agent_version, "0.9.0");
  EXPECT_EQ(a->last_seq, 3u);
  EXPECT_EQ(a->reports, 3u);
  EXPECT_EQ(a->last_peer, "ipv4:203.0.113.7:51544");
  EXPECT_EQ(a->previous_device_ids, (std::vector<std::string>{"dev-old-1", "dev-old-2"}));
  EXPECT_EQ(a->conflicting_reports, static_cast<uint64_t>(expectation(sql_, "conflicts")));
  EXPECT_FALSE(a->revoked);
  EXPECT_EQ(store->devices().size(), 2u);
  EXPECT_EQ(store->revoked_device_ids(), std::vector<std::string>{"dev-b"});

  // State: dev-a's is stored (deltas applied), dev-b's references its report from schema 4 on.
  auto state_a = store->latest_snapshot("dev-a");
  ASSERT_TRUE(state_a);
  EXPECT_EQ(state_a->hardware().product_serial(), "PF2ABCDE");
  EXPECT_EQ(usb_products(*state_a), (std::vector<std::string>{"USB Keyboard", "PiKVM Composite Device"}));
  EXPECT_EQ(connectors(*state_a), (std::vector<std::string>{"card0-eDP-1", "card0-HDMI-A-1"}));
  auto state_b = store->latest_snapshot("dev-b");
  ASSERT_TRUE(state_b);
  EXPECT_EQ(state_b->hardware().product_name(), "Latitude 7420");

  // History: any past snapshot rebuilds from the reports.
  auto at1 = store->snapshot_at("dev-a", 1);
  ASSERT_TRUE(at1);
  EXPECT_EQ(usb_products(*at1), std::vector<std::string>{"USB Keyboard"});
  EXPECT_EQ(connectors(*at1), std::vector<std::string>{"card0-eDP-1"});
  auto at2 = store->snapshot_at("dev-a", 2);
  ASSERT_TRUE(at2);
  EXPECT_EQ(usb_products(*at2), (std::vector<std::string>{"USB Keyboard", "PiKVM Composite Device"}));
  EXPECT_EQ(connectors(*at2), std::vector<std::string>{"card0-eDP-1"});
  auto at3 = store->snapshot_at("dev-a", 3);
  ASSERT_TRUE(at3);
  EXPECT_EQ(at3->SerializeAsString(), state_a->SerializeAsString());

  auto reports = store->reports("dev-a", 10);
  ASSERT_EQ(reports.size(), 3u);
  std::set<uint64_t> seqs;
  for (const auto& r : reports) seqs.insert(r.seq);
  EXPECT_EQ(seqs, (std::set<uint64_t>{1, 2, 3}));
  for (const auto& r : reports) {
    EXPECT_EQ(r.kind, r.seq == 1 ? "snapshot" : "delta") << "seq " << r.seq;
    EXPECT_GT(r.bytes, 0u);
  }
  auto events = store->events("dev-a", 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].seq, 3u);
  EXPECT_TRUE(events[0].event.usb().added());
  EXPECT_EQ(events[0].event.usb().product(), "PiKVM Composite Device");

  // Verdicts, clusters, assignments (from schema 2 on).
  auto history = store->verdict_history("dev-a", 10);
  auto latest = store->latest_verdicts();
  auto clusters = store->clusters();
  auto assignments = store->assignments();
  if (expectation(sql_, "verdicts")) {
    ASSERT_EQ(history.size(), 2u);
    std::set<std::string> levels{history[0].level, history[1].level};
    EXPECT_EQ(levels, (std::set<std::string>{"review", "suspicious"}));
    ASSERT_EQ(latest.size(), 1u);
    EXPECT_EQ(latest[0].device_id, "dev-a");
    EXPECT_EQ(latest[0].level, "suspicious");
    EXPECT_DOUBLE_EQ(latest[0].score, 0.72);
    EXPECT_NE(latest[0].json.find("usb.kvm_composite"), std::string::npos) << latest[0].json;
    ASSERT_EQ(clusters.size(), 1u);
    EXPECT_EQ(clusters[0].kind, "gateway_mac");
    EXPECT_EQ(clusters[0].members, (std::vector<std::string>{"dev-a", "dev-b"}));
    ASSERT_EQ(assignments.size(), 1u);
    EXPECT_EQ(assignments[0].email, "dana.whitfield@example.com");
    EXPECT_EQ(assignments[0].timezone, "America/Chicago");
  } else {
    EXPECT_TRUE(history.empty() && latest.empty() && clusters.empty() && assignments.empty());
  }

  // Hardware history and leases, where the version had them.
  auto sightings = store->hardware_sightings("dev-a");
  if (expectation(sql_, "sightings")) {
    ASSERT_EQ(sightings.size(), 1u);
    EXPECT_EQ(sightings[0].serial, "1d6b:0104:CAFEBABE");
    EXPECT_EQ(sightings[0].snapshots, 2);
  } else {
    EXPECT_TRUE(sightings.empty());
  }
  // Presence checks and suppressions, where the version had them (fixtures
  // written before those tables existed carry no expectation for them).
  auto checks = store->presence_checks("dev-a", 10);
  if (expectation_or_zero(sql_, "presence")) {
    ASSERT_EQ(checks.size(), 1u);
    EXPECT_EQ(checks[0].check_id, "pc-3b1f9a");
    EXPECT_EQ(checks[0].status, "answered");
    EXPECT_EQ(checks[0].device_class, "built_in");
    EXPECT_TRUE(checks[0].signature_valid);
    EXPECT_EQ(checks[0].signed_result, std::string("\n\x09pc-3b1f9a\x12\x03sig", 16))
        << "the signed bytes survive the upgrade exactly";
  } else {
    EXPECT_TRUE(checks.empty());
  }
  auto suppressions = store->suppressions();
  if (expectation_or_zero(sql_, "suppressions")) {
    ASSERT_EQ(suppressions.size(), 1u);
    EXPECT_EQ(suppressions[0].indicator_id, "remote.anydesk_installed");
    EXPECT_TRUE(suppressions[0].active_at(1764000000000 + 86400000));
  } else {
    EXPECT_TRUE(suppressions.empty());
  }
  const bool other_got_lease = store->try_acquire_lease("fleet_correlation", "collector-b", 60000, 1764000700000);
  EXPECT_EQ(other_got_lease, expectation(sql_, "lease") == 0)
      << "a lease held before the upgrade stays with its holder";
}

TEST_P(OldSchemaVersion, AfterTheUpgrade_ReSentReportsAreDuplicatesAndNewOnesApply) {
  auto store = open_store(target_);
  // Report 1 as the agent sent it before the upgrade; its spool re-sends it
  // when the ack was lost to the restart.
  auto at1 = store->snapshot_at("dev-a", 1);
  ASSERT_TRUE(at1);
  telltale::v1::Report again;
  again.set_seq(1);
  again.set_created_at_unix_ms(1764000000000);
  *again.mutable_snapshot() = *at1;
  // The PiKVM is unplugged after the upgrade.
  telltale::v1::Report next;
  next.set_seq(4);
  next.set_created_at_unix_ms(1764000900000);
  next.mutable_delta()->set_base_seq(3);
  next.mutable_delta()->add_changed_sections("usb_devices");
  *next.mutable_delta()->mutable_changed()->add_usb_devices() = at1->usb_devices(0);
  std::vector<IncomingReport> batch{{"dev-a", "ipv4:203.0.113.7:51544", 1764000000100, &again},
                                    {"dev-a", "ipv4:203.0.113.7:51544", 1764000900100, &next}};
  auto results = store->ingest(batch);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, IngestOutcome::kDuplicate) << results[0].reason;
  EXPECT_EQ(results[1].outcome, IngestOutcome::kStored) << results[1].reason;

  EXPECT_EQ(store->reports("dev-a", 10).size(), 4u) << "nothing stored twice";
  auto state = store->latest_snapshot("dev-a");
  ASSERT_TRUE(state);
  EXPECT_EQ(usb_products(*state), std::vector<std::string>{"USB Keyboard"});
  EXPECT_EQ(connectors(*state), (std::vector<std::string>{"card0-eDP-1", "card0-HDMI-A-1"}))
      << "the delta applies on top of the state the old version stored";
  EXPECT_EQ(store->device("dev-a")->last_seq, 4u);

  // A second open (the next restart) migrates nothing and sees the same.
  store.reset();
  auto reopened = open_store(target_);
  EXPECT_EQ(reopened->reports("dev-a", 10).size(), 4u);
  EXPECT_EQ(schema_version(), current_version());
}

// Named, so a failure says which fixture instead of dumping its bytes.
void PrintTo(const VersionFixture& f, std::ostream* os) { *os << f.path.filename().string(); }

std::string fixture_name(const ::testing::TestParamInfo<VersionFixture>& info) {
  return info.param.store + "_v" + std::to_string(info.param.version);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, OldSchemaVersion, ::testing::ValuesIn(all_fixtures()), fixture_name);

// A migration appended without a fixture of the version before it would go
// untested from there: make_store_versions.py writes the missing ones.
TEST(StoreVersionFixtures, EveryEarlierVersionOfBothStoresHasOne) {
  std::set<std::pair<std::string, int>> have;
  for (const auto& f : all_fixtures()) have.insert({f.store, f.version});
  for (int v = 1; v < SqliteStore::kSchemaVersion; ++v)
    EXPECT_TRUE(have.count({"sqlite", v})) << "no sqlite-v" << v << ".sql: run tests/fixtures/store-versions/make_store_versions.py";
  for (int v = 1; v < PostgresStore::kSchemaVersion; ++v)
    EXPECT_TRUE(have.count({"postgresql", v}))
        << "no postgresql-v" << v << ".sql: run tests/fixtures/store-versions/make_store_versions.py";
}

}  // namespace
}  // namespace telltale::server
