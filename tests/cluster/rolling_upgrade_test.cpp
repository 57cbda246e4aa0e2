// A rolling upgrade of two collectors on one PostgreSQL database, behind
// tcp_balancer, with agents streaming the whole time (docs/DEPLOYMENT.md,
// "Rolling upgrade").
//
// What this covers: the database starts at the previous schema version with
// data in it (tests/fixtures/store-versions), the first collector to start
// migrates it while the agents' balancer already points at both addresses,
// then collector a is stopped (SIGTERM) and started again, then b, while
// SimAgents (the agent's own Spool and Transport) stream through the
// balancer. Every report is acknowledged, stored exactly once, without gaps,
// and the old version's data reads back. What it does not cover: two
// different collector binaries at once (CI builds one); an old collector on a
// newer schema is kept working by the migration rule in DEPLOYMENT.md
// (additive changes only within a release), not by this test.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <sstream>

#include "faults/sim_agent.h"
#include "integration/harness.h"
#include "server/store/postgres_store.h"
#include "support/postgres_test_db.h"

namespace telltale::testing {
namespace {
using namespace std::chrono_literals;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class RollingCluster {
 public:
  explicit RollingCluster(const std::string& server_url) : schema_(server_url) {}

  // The previous schema version's database, with its data, before any collector runs.
  void load_previous_version() {
    const int previous = server::PostgresStore::kSchemaVersion - 1;
    if (previous < 1) return;
    const auto fixture = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/store-versions" /
                         ("postgresql-v" + std::to_string(previous) + ".sql");
    schema_.exec(slurp(fixture));
  }

  void start() {
    for (const char* name : {"a", "b"})
      collectors_.push_back(std::make_unique<CollectorProcess>(std::vector<std::string>{
          "--store", schema_.url(), "--instance", name, "--ca-dir", ca_.path().string()}));
    const auto port_file = balancer_dir_.path() / "port";
    balancer_ = std::make_unique<Process>(
        std::vector<std::string>{(std::filesystem::path(TELLTALE_BINARY_DIR) / "tests" / "tools" / "tcp_balancer").string(),
                                 port_file.string(), collectors_[0]->address(), collectors_[1]->address()},
        balancer_dir_.path() / "balancer.log");
    if (!eventually([&] { return std::filesystem::exists(port_file); }, 10s))
      throw std::runtime_error("tcp_balancer did not start: " + balancer_->log_text());
    std::ifstream in(port_file);
    std::string port;
    in >> port;
    address_ = "127.0.0.1:" + port;
  }

  std::string token(int uses) {
    auto r = run({binary("telltale-ctl").string(), "--data-dir", collectors_[0]->data_dir().string(), "--store",
                  schema_.url(), "--ca-dir", ca_.path().string(), "token", "create", "--uses", std::to_string(uses),
                  "--address", address_});
    if (r.exit_code != 0) throw std::runtime_error("token create: " + r.err);
    return r.out.substr(0, r.out.find('\n'));
  }

  CollectorProcess& collector(size_t i) { return *collectors_.at(i); }
  const PostgresTestSchema& db() const { return schema_; }

  std::map<uint64_t, int> stored(const std::string& device) {
    pqxx::connection c(schema_.url());
    pqxx::nontransaction tx(c);
    std::map<uint64_t, int> out;
    for (const auto& row : tx.exec_params("SELECT seq, COUNT(*) FROM reports WHERE device_id=$1 GROUP BY seq", device))
      out[row[0].as<uint64_t>()] = row[1].as<int>();
    return out;
  }

 private:
  PostgresTestSchema schema_;
  TempDir ca_, balancer_dir_;
  std::vector<std::unique_ptr<CollectorProcess>> collectors_;
  std::unique_ptr<Process> balancer_;
  std::string address_;
};

TEST(RollingUpgrade, FromThePreviousSchemaRestartingAThenBWhileAgentsStream_NothingLostNothingDuplicated) {
  auto server = postgres_server_url();
  if (!server) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  constexpr int kAgents = 6, kReportsEach = 1000;
  RollingCluster cluster(*server);
  cluster.load_previous_version();
  cluster.start();
  EXPECT_EQ(cluster.db().query_int("SELECT MAX(version) FROM telltale_schema"), server::PostgresStore::kSchemaVersion);

  TempDir states;
  const auto token = cluster.token(kAgents);
  std::vector<std::unique_ptr<SimAgent>> agents;
  for (int i = 0; i < kAgents; ++i)
    agents.push_back(std::make_unique<SimAgent>(token, states.path() / std::to_string(i), "clean-laptop"));
  for (auto& a : agents) a->start(kReportsEach, 20ms);
  auto total_acked = [&] {
    uint64_t n = 0;
    for (auto& a : agents) n += a->acknowledged();
    return n;
  };

  // Each collector is stopped and started again while the other one serves,
  // once the agents have been acknowledged some more since the last step.
  for (size_t i = 0; i < 2; ++i) {
    const auto before = total_acked();
    ASSERT_TRUE(eventually([&] { return total_acked() >= before + 150; }, 60s))
        << "agents stopped being acknowledged before restarting collector " << i;
    for (auto& a : agents) {
      const auto acked = a->acked_seqs();
      const auto rows = cluster.stored(a->device_id());
      for (auto seq : acked) ASSERT_EQ(rows.count(seq), 1u) << a->device_id() << " seq " << seq << " acked, not stored";
    }
    EXPECT_FALSE(agents.front()->producing_done()) << "restart " << i << " should land while agents still produce";
    std::cout << "restarting collector " << (i == 0 ? "a" : "b") << " at " << total_acked() << " acked\n";
    cluster.collector(i).restart();
    EXPECT_TRUE(eventually([&] { return total_acked() >= before + 300; }, 60s))
        << "no acks after collector " << i << " came back:\n" << cluster.collector(i).process().log_text();
  }

  ASSERT_TRUE(eventually(
      [&] {
        for (auto& a : agents)
          if (!a->producing_done() || a->spool().stats().depth != 0) return false;
        return true;
      },
      120s))
      << cluster.collector(0).process().log_text() << cluster.collector(1).process().log_text();
  for (auto& a : agents) a->stop();

  for (auto& a : agents) {
    auto rows = cluster.stored(a->device_id());
    ASSERT_EQ(rows.size(), static_cast<size_t>(kReportsEach)) << a->device_id();
    uint64_t expect = 1;
    for (auto [seq, count] : rows) {
      EXPECT_EQ(seq, expect++) << a->device_id() << ": a gap";
      EXPECT_EQ(count, 1) << a->device_id() << " seq " << seq;
    }
    EXPECT_EQ(cluster.db().query_int("SELECT reports FROM devices WHERE device_id='" + a->device_id() + "'"),
              kReportsEach)
        << a->device_id() << ": re-sends after a restart are duplicates, not new reports";
  }
  if (server::PostgresStore::kSchemaVersion > 1) {
    EXPECT_EQ(cluster.db().query_int("SELECT COUNT(*) FROM reports WHERE device_id='dev-a'"), 3)
        << "the previous version's reports are still there";
    EXPECT_EQ(cluster.db().query_int("SELECT COUNT(*) FROM devices WHERE device_id='dev-b' AND revoked=1"), 1);
  }
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(cluster.collector(i).process().running());
}

}  // namespace
}  // namespace telltale::testing
