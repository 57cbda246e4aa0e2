// What only a shared database has to get right: two collectors (two Store
// instances, each with its own connection pool) writing at the same moment.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>
#include <vector>

#include "server/store/postgres_revocations.h"
#include "server/store/postgres_store.h"
#include "support/store_backends.h"

namespace telltale::server {
namespace {

class PostgresStoreTest : public StoreBackendTest {};


TEST_P(PostgresStoreTest, TwoCollectorsIngestingTheSameReportsStoreEachSeqOnce) {
  // An agent whose stream broke re-sends its spool to the other collector
  // while the first may still be committing: both see every (device, seq).
  auto a = open();
  auto b = open();
  enroll_device(*a, "d1");
  enroll_device(*a, "d2");
  constexpr int kReports = 120;
  std::vector<telltale::v1::Report> reports(kReports);
  for (int i = 0; i < kReports; ++i) {
    reports[i].set_seq(i + 1);
    reports[i].mutable_snapshot()->mutable_hardware()->set_product_name("seq " + std::to_string(i + 1));
  }
  std::atomic<int> stored{0}, duplicates{0}, other{0};
  auto run = [&](Store& store, bool reverse_devices) {
    for (int i = 0; i < kReports; i += 6) {
      std::vector<IncomingReport> batch;
      for (int j = i; j < i + 6; ++j)
        for (const char* id : reverse_devices ? std::vector<const char*>{"d2", "d1"} : std::vector<const char*>{"d1", "d2"})
          batch.push_back({id, "p", 100 + j, &reports[j]});
      for (const auto& r : store.ingest(batch)) {
        if (r.outcome == IngestOutcome::kStored) ++stored;
        else if (r.outcome == IngestOutcome::kDuplicate) ++duplicates;
        else ++other;
      }
    }
  };
  std::thread ta([&] { run(*a, false); });
  std::thread tb([&] { run(*b, true); });
  ta.join();
  tb.join();
  EXPECT_EQ(stored.load(), 2 * kReports);
  EXPECT_EQ(duplicates.load(), 2 * kReports);
  EXPECT_EQ(other.load(), 0) << "identical bytes are never a conflict";
  for (const char* id : {"d1", "d2"}) {
    EXPECT_EQ(a->reports(id, 1000).size(), static_cast<size_t>(kReports));
    EXPECT_EQ(b->device(id)->reports, static_cast<uint64_t>(kReports)) << "counted once per seq";
    EXPECT_EQ(b->latest_snapshot(id)->hardware().product_name(), "seq " + std::to_string(kReports))
        << "the state is the newest seq whichever collector stored it";
  }
}

TEST_P(PostgresStoreTest, TokenUsesThroughTwoCollectorsAtOnceNeverExceedTheLimit) {
  auto a = open();
  auto b = open();
  TokenRecord t;
  t.id = "shared-token";
  t.secret_hash = "shared-hash";
  t.expires_unix_ms = int64_t{1} << 50;
  t.max_uses = 25;
  a->add_token(t);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&, i] {
      for (int j = 0; j < 8; ++j) {
        DeviceRecord d;
        d.device_id = "dev-" + std::to_string(i) + "-" + std::to_string(j);
        if ((i % 2 ? *a : *b).enroll("shared-hash", 10, d).status == EnrollStatus::kOk) ++ok;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 25);
  EXPECT_EQ(a->tokens().at(0).uses, 25);
  EXPECT_EQ(b->devices().size(), 25u);
}

TEST_P(PostgresStoreTest, OfManyCollectorsAskingForALeaseAtOnceExactlyOneGetsIt) {
  auto a = open();
  auto b = open();
  for (int round = 0; round < 20; ++round) {
    const std::string name = "job-" + std::to_string(round);
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i)
      threads.emplace_back([&, i] {
        if ((i % 2 ? *a : *b).try_acquire_lease(name, "collector-" + std::to_string(i), 60000, 1000)) ++winners;
      });
    for (auto& th : threads) th.join();
    EXPECT_EQ(winners.load(), 1) << name;
  }
}

TEST_P(PostgresStoreTest, CollectorsStartingAtOnceMigrateTheSchemaOnce) {
  // A fleet's collectors restart together after an upgrade; the first one
  // migrates, the others wait for it (advisory lock) and find it done.
  std::vector<std::unique_ptr<Store>> stores(4);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (auto& s : stores)
    threads.emplace_back([&] {
      try {
        s = open();
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM telltale_schema"), PostgresStore::kSchemaVersion)
      << "one row per migration, each applied once";
  EXPECT_EQ(query_int("SELECT MAX(version) FROM telltale_schema"), PostgresStore::kSchemaVersion);
}

TEST_P(PostgresStoreTest, AnUnreachableDatabaseIsUnavailableWithTheAddressNotTheSecret) {
  try {
    PostgresStore store("postgresql://telltale:hunter2@127.0.0.1:1/telltale?connect_timeout=2");
    FAIL() << "connected to port 1?";
  } catch (const StoreUnavailable& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("127.0.0.1:1"), std::string::npos) << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << "password leaked: " << what;
  }
}

// Highest number of this test's connections PostgreSQL shows while `work`
// runs on `threads` threads (sampled from pg_stat_activity by a separate
// connection; the application_name in the URL keeps other tests out).
int max_connections_seen(const std::string& sampler_url, const std::string& application, int threads,
                         const std::function<void()>& work) {
  std::atomic<bool> done{false};
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i)
    workers.emplace_back([&] {
      while (!done) work();
    });
  pqxx::connection c(sampler_url);
  int seen = 0;
  for (int i = 0; i < 60; ++i) {
    pqxx::nontransaction tx(c);
    seen = std::max(seen, tx.exec_params("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name=$1",
                                         application)[0][0].as<int>());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  done = true;
  for (auto& w : workers) w.join();
  return seen;
}

TEST_P(PostgresStoreTest, PoolSizeBoundsTheConnectionsOpenedUnderLoad) {
  // Eight busy readers on a pool of two never hold more than two
  // connections; the same load on a pool of six is seen using more, which
  // shows the sampler would notice a pool that ignored its size.
  const std::string app = "pool_" + std::to_string(::getpid()) + "_" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const std::string url = target() + "&application_name=" + app.substr(0, 60);
  enroll_device(*open(), "d1");
  int small_seen = 0, large_seen = 0;
  {  // each store closes its connections before the next is measured
    PostgresStore small(url, 2);
    small_seen = max_connections_seen(target(), app.substr(0, 60), 8, [&] { small.devices(); });
  }
  {
    PostgresStore large(url, 6);
    large_seen = max_connections_seen(target(), app.substr(0, 60), 8, [&] { large.devices(); });
  }
  std::cout << "connections seen: pool 2 -> " << small_seen << ", pool 6 -> " << large_seen << "\n";
  EXPECT_GE(small_seen, 1);
  EXPECT_LE(small_seen, 2);
  EXPECT_GT(large_seen, 2);
  EXPECT_LE(large_seen, 6);
}

TEST_P(PostgresStoreTest, PoolSizeZeroOrHugeIsRefusedWithTheRange) {
  for (size_t size : {size_t{0}, PostgresStore::kMaxPoolSize + 1}) {
    try {
      PostgresStore store(target(), size);
      FAIL() << "pool size " << size << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("1..256"), std::string::npos) << e.what();
    }
  }
}

TEST_P(PostgresStoreTest, ARevocationByAnotherCollectorWakesTheListenerAndOtherWritesDoNot) {
  auto a = open();
  auto b = open();
  enroll_device(*a, "d1");
  enroll_device(*a, "d2");
  auto signal = a->revocation_signal();
  ASSERT_NE(signal, nullptr) << "PostgreSQL pushes revocations";
  EXPECT_NE(signal->log_fields().find("backend_pid="), std::string::npos) << signal->log_fields();
  // Writes that are not revocations, and a revocation of an unknown id,
  // leave it asleep.
  b->revoke_token("tok-d2");
  EXPECT_FALSE(b->revoke_device("no-such-device"));
  EXPECT_FALSE(signal->wait(std::chrono::milliseconds(300)));
  ASSERT_TRUE(b->revoke_device("d1"));
  EXPECT_TRUE(signal->wait(std::chrono::seconds(10)));
  EXPECT_FALSE(signal->wait(std::chrono::milliseconds(300))) << "one revocation, one wake-up";
}

TEST_P(PostgresStoreTest, ARevocationInAnotherSchemaDoesNotWakeThisOne) {
  // Two deployments sharing one database in different schemas.
  auto signal = open()->revocation_signal();
  testing::PostgresTestSchema other(*testing::postgres_server_url());
  auto elsewhere = open_store(other.url());
  enroll_device(*elsewhere, "d9");
  ASSERT_TRUE(elsewhere->revoke_device("d9"));
  EXPECT_FALSE(signal->wait(std::chrono::milliseconds(500)));
}

TEST_P(PostgresStoreTest, TheListenerConnectionKilledByTheServerIsUnavailableNotSilence) {
  auto store = open();
  auto signal = store->revocation_signal();
  const auto fields = signal->log_fields();
  const auto pid = fields.substr(fields.find("backend_pid=") + 12);
  query_int("SELECT COUNT(*) FROM (SELECT pg_terminate_backend(" + pid + ")) t");
  EXPECT_THROW(
      {
        for (int i = 0; i < 50; ++i) signal->wait(std::chrono::milliseconds(100));
      },
      StoreUnavailable);
}

// The documented PostgreSQL backup (docs/DEPLOYMENT.md): pg_dump of the
// schema, restored with pg_restore into an emptied database, gives a store
// that opens without migration and holds the same devices and reports.
TEST_P(PostgresStoreTest, PgDumpAndPgRestoreOfTheSchemaBringBackDevicesAndReports) {
  std::string bindir;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql"))
    if (std::filesystem::exists(e.path() / "bin" / "pg_dump") && e.path().string() > bindir) bindir = e.path().string();
  ASSERT_FALSE(bindir.empty()) << "pg_dump not installed (postgresql package)";
  {
    auto store = open();
    enroll_device(*store, "d1");
    std::vector<telltale::v1::Report> reports(5);
    std::vector<IncomingReport> batch;
    for (int i = 0; i < 5; ++i) {
      reports[i].set_seq(i + 1);
      reports[i].mutable_snapshot()->mutable_hardware()->set_product_name("seq " + std::to_string(i + 1));
      batch.push_back({"d1", "p", 100 + i, &reports[i]});
    }
    store->ingest(batch);
  }
  testing::TempDir dir;
  const auto dump = dir.path() / "telltale.dump";
  const std::string server = *testing::postgres_server_url();
  const auto sh = [&](const std::string& cmd) {
    const int rc = std::system((cmd + " >" + (dir.path() / "out.log").string() + " 2>&1").c_str());
    std::ifstream in(dir.path() / "out.log");
    return std::make_pair(rc, std::string(std::istreambuf_iterator<char>(in), {}));
  };
  auto [dumped, dump_log] = sh(bindir + "/bin/pg_dump --format=custom --schema=" + schema_name() + " --file=" +
                               dump.string() + " '" + server + "'");
  ASSERT_EQ(dumped, 0) << dump_log;
  testing::PostgresTestSchema(server).exec("DROP SCHEMA " + schema_name() + " CASCADE");
  auto [restored, restore_log] = sh(bindir + "/bin/pg_restore --dbname='" + server + "' " + dump.string());
  ASSERT_EQ(restored, 0) << restore_log;
  auto store = open();
  ASSERT_TRUE(store->device("d1").has_value());
  EXPECT_EQ(store->reports("d1", 100).size(), 5u);
  EXPECT_EQ(store->latest_snapshot("d1")->hardware().product_name(), "seq 5");
  EXPECT_EQ(query_int("SELECT MAX(version) FROM telltale_schema"), PostgresStore::kSchemaVersion);
}

TEST(RevocationChannel, IsPerSchemaAndFitsPostgresIdentifierLength) {
  EXPECT_EQ(revocation_channel("public"), "telltale_revocations_public");
  EXPECT_EQ(revocation_channel(std::string(100, 's')).size(), 63u);
}

TEST(PostgresConnectionUrl, AddsTimeoutsAndKeepsThoseTheOperatorSet) {
  const auto plain = postgres_connection_url("postgresql://telltale@db.example/telltale");
  EXPECT_EQ(plain.rfind("postgresql://telltale@db.example/telltale?connect_timeout=10&keepalives=1", 0), 0u) << plain;
  EXPECT_NE(plain.find("&tcp_user_timeout=30000"), std::string::npos) << plain;
  const auto own = postgres_connection_url("postgresql://db.example/telltale?sslmode=require&connect_timeout=3");
  EXPECT_NE(own.find("?sslmode=require&connect_timeout=3&keepalives=1"), std::string::npos) << own;
  EXPECT_EQ(own.find("connect_timeout=10"), std::string::npos) << own;
  EXPECT_NE(plain.find("&application_name=telltale"), std::string::npos) << plain;
  const auto named = postgres_connection_url("postgresql://db.example/telltale?application_name=ours");
  EXPECT_EQ(named.find("application_name=telltale"), std::string::npos) << named;
}

// A host that accepts the TCP connection and never says a word (a wedged
// server, a black-holing middlebox): without a connect timeout libpq waits
// forever and the collector never starts or, mid-run, its ingest writer
// hangs. Runs without a database server.
TEST(PostgresStoreTimeouts, AServerThatAcceptsAndNeverAnswersIsUnavailableNotAHang) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 8), 0);  // the kernel completes handshakes; nobody ever reads
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string url = "postgresql://telltale@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/telltale";
  EXPECT_THROW(PostgresStore store(url), StoreUnavailable);  // after connect_timeout (10 s), not never
  ::close(listener);
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresStoreTest, ::testing::Values("postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace telltale::server
