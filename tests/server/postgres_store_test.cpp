// What only a shared database has to get right: two collectors (two Store
// instances, each with its own connection pool) writing at the same moment.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

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

TEST(PostgresConnectionUrl, AddsTimeoutsAndKeepsThoseTheOperatorSet) {
  const auto plain = postgres_connection_url("postgresql://telltale@db.example/telltale");
  EXPECT_EQ(plain.rfind("postgresql://telltale@db.example/telltale?connect_timeout=10&keepalives=1", 0), 0u) << plain;
  EXPECT_NE(plain.find("&tcp_user_timeout=30000"), std::string::npos) << plain;
  const auto own = postgres_connection_url("postgresql://db.example/telltale?sslmode=require&connect_timeout=3");
  EXPECT_NE(own.find("?sslmode=require&connect_timeout=3&keepalives=1"), std::string::npos) << own;
  EXPECT_EQ(own.find("connect_timeout=10"), std::string::npos) << own;
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
