// Several collectors, one PostgreSQL database, one TCP balancer in front:
// the deployment issue 9 describes, with real collector processes. The
// agents are SimAgents (the agent's own Spool and Transport in this
// process, see faults/sim_agent.h) so hundreds of reports take seconds.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <regex>

#include "agent/spool/spool.h"
#include "faults/sim_agent.h"
#include "integration/agent_process.h"
#include "integration/harness.h"
#include "support/postgres_test_db.h"

namespace telltale::testing {
namespace {
using namespace std::chrono_literals;

// Where the collectors' common CA lives.
enum class CaKeptIn { kSharedDirectory, kDatabase };

// Two collectors sharing a database and a CA, behind tcp_balancer.
class Cluster {
 public:
  explicit Cluster(const std::string& server_url, CaKeptIn ca = CaKeptIn::kSharedDirectory,
                   std::vector<std::string> extra_args = {})
      : schema_(server_url), ca_kept_(ca), extra_args_(std::move(extra_args)) {
    std::ofstream(passphrase_file()) << "correct horse battery staple\n";
    for (const char* name : {"a", "b"})
      collectors_.push_back(std::make_unique<CollectorProcess>(collector_args(name)));
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

  std::vector<std::string> collector_args(const std::string& name) const {
    // Correlation every second: the lease test sees a takeover in seconds.
    std::vector<std::string> args = {"--store", schema_.url(), "--instance", name, "--correlate-interval", "1"};
    if (ca_kept_ == CaKeptIn::kSharedDirectory) args.insert(args.end(), {"--ca-dir", ca_.path().string()});
    else args.insert(args.end(), {"--ca-passphrase-file", passphrase_file().string()});
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    return args;
  }
  std::filesystem::path passphrase_file() const { return ca_.path() / "passphrase"; }

  // ctl against the shared database; the token sends agents to the balancer.
  RunResult ctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {binary("telltale-ctl").string(), "--data-dir",
                                     collectors_[0]->data_dir().string(), "--store", schema_.url()};
    if (ca_kept_ == CaKeptIn::kSharedDirectory) argv.insert(argv.end(), {"--ca-dir", ca_.path().string()});
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  std::string token(int uses) {
    auto r = ctl({"token", "create", "--uses", std::to_string(uses), "--address", address_});
    if (r.exit_code != 0) throw std::runtime_error("token create: " + r.err);
    return r.out.substr(0, r.out.find('\n'));
  }

  CollectorProcess& collector(size_t i) { return *collectors_.at(i); }
  const PostgresTestSchema& db() const { return schema_; }

  // seq → rows for one device, straight from the shared database.
  std::map<uint64_t, int> stored(const std::string& device) {
    pqxx::connection c(schema_.url());
    pqxx::nontransaction tx(c);
    std::map<uint64_t, int> out;
    for (const auto& row :
         tx.exec_params("SELECT seq, COUNT(*) FROM reports WHERE device_id=$1 GROUP BY seq", device))
      out[row[0].as<uint64_t>()] = row[1].as<int>();
    return out;
  }

 private:
  PostgresTestSchema schema_;
  CaKeptIn ca_kept_;
  std::vector<std::string> extra_args_;
  TempDir ca_, balancer_dir_;
  std::vector<std::unique_ptr<CollectorProcess>> collectors_;
  std::unique_ptr<Process> balancer_;
  std::string address_;
};

bool log_has(CollectorProcess& c, const std::string& needle) {
  return c.process().log_text().find(needle) != std::string::npos;
}

TEST(Cluster, OneOfTwoCollectorsKilledMidStream_EveryAckedReportStoredOnce_AgentsFinishOnTheSurvivor) {
  auto server = postgres_server_url();
  if (!server) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  constexpr int kAgents = 8, kReportsEach = 100;
  Cluster cluster(*server);
  TempDir states;
  const auto token = cluster.token(kAgents);
  std::vector<std::unique_ptr<SimAgent>> agents;
  for (int i = 0; i < kAgents; ++i)
    agents.push_back(std::make_unique<SimAgent>(token, states.path() / std::to_string(i), "clean-laptop"));
  for (auto& a : agents) a->start(kReportsEach, 25ms);

  auto total_acked = [&] {
    uint64_t n = 0;
    for (auto& a : agents) n += a->acknowledged();
    return n;
  };
  ASSERT_TRUE(eventually([&] { return total_acked() >= 250; }, 60s));
  // The balancer spread the streams: both collectors have agents.
  for (size_t i = 0; i < 2; ++i)
    ASSERT_TRUE(log_has(cluster.collector(i), "event=stream_open")) << "collector " << i << " got no agent";
  cluster.collector(0).kill9();

  size_t acked_at_kill = 0, pending_at_kill = 0;
  for (auto& a : agents) {
    auto acked = a->acked_seqs();
    acked_at_kill += acked.size();
    pending_at_kill += a->spool().stats().depth;
    auto rows = cluster.stored(a->device_id());
    for (auto seq : acked) EXPECT_EQ(rows.count(seq), 1u) << a->device_id() << " seq " << seq << " acked, not stored";
  }
  std::cout << "at SIGKILL of collector a: " << acked_at_kill << " acked, " << pending_at_kill
            << " unacked in spools\n";
  EXPECT_GT(pending_at_kill, 0u) << "the kill should land mid-stream";

  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually(
      [&] {
        for (auto& a : agents)
          if (!a->producing_done() || a->spool().stats().depth != 0) return false;
        return true;
      },
      90s))
      << cluster.collector(1).process().log_text();
  std::cout << "all spools drained into collector b "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed).count()
            << " ms after collector a died\n";
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
        << a->device_id() << ": re-sends to the survivor are duplicates, not new reports";
  }
  EXPECT_TRUE(cluster.collector(1).process().running());
}

// Two agents stream through the cluster and the first is revoked with
// telltale-ctl: every collector cuts it (event=device_revoked), nothing more
// of it is acknowledged wherever it reconnects, and the other streams on.
void revoke_first_of_two_streaming_agents(Cluster& cluster) {
  TempDir states;
  const auto token = cluster.token(2);
  std::vector<std::unique_ptr<SimAgent>> agents;
  for (int i = 0; i < 2; ++i) {
    agents.push_back(std::make_unique<SimAgent>(token, states.path() / std::to_string(i), "clean-laptop"));
    agents.back()->start(1000, 50ms);
  }
  ASSERT_TRUE(eventually([&] { return agents[0]->acknowledged() >= 3 && agents[1]->acknowledged() >= 3; }, 30s));

  const auto victim = agents[0]->device_id();
  const auto revoked_at = std::chrono::steady_clock::now();
  auto r = cluster.ctl({"revoke", victim});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (size_t i = 0; i < 2; ++i)
    EXPECT_TRUE(eventually([&] { return log_has(cluster.collector(i), "event=device_revoked device=" + victim); }, 15s))
        << "collector " << i << " never heard of the revocation:\n" << cluster.collector(i).process().log_text();
  std::cout << "revocation seen by both collectors after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - revoked_at).count()
            << " ms\n";
  std::this_thread::sleep_for(1s);
  const auto victim_acked = agents[0]->acknowledged();
  const auto other_acked = agents[1]->acknowledged();
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(agents[0]->acknowledged(), victim_acked);
  EXPECT_GT(agents[1]->acknowledged(), other_acked);
  for (auto& a : agents) a->stop();
}

TEST(Cluster, ADeviceRevokedThroughTheDatabaseIsRefusedByEveryCollectorWithinSeconds) {
  auto server = postgres_server_url();
  if (!server) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  // Node auth is in memory per collector; each one learns from the push or its own poll.
  Cluster cluster(*server);
  revoke_first_of_two_streaming_agents(cluster);
}

// Polling set to an hour: only LISTEN/NOTIFY can make the revocation felt.
const std::vector<std::string> kPollingOff = {"--revocation-poll-ms", "3600000"};

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(Cluster, RevocationPollingOff_EveryCollectorHearsTheRevocationThroughListenNotify) {
  auto server = postgres_server_url();
  if (!server) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  Cluster cluster(*server, CaKeptIn::kSharedDirectory, kPollingOff);
  for (size_t i = 0; i < 2; ++i)
    ASSERT_TRUE(eventually([&] { return log_has(cluster.collector(i), "event=revocation_listening"); }, 20s));
  revoke_first_of_two_streaming_agents(cluster);
}

TEST(Cluster, RevocationListenerKilledByTheDatabase_CollectorListensAgainAndHearsTheNextRevocation) {
  auto server = postgres_server_url();
  if (!server) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  Cluster cluster(*server, CaKeptIn::kSharedDirectory, kPollingOff);
  auto& first = cluster.collector(0);
  ASSERT_TRUE(eventually([&] { return log_has(first, "event=revocation_listening"); }, 20s));
  std::smatch m;
  const auto log = first.process().log_text();
  ASSERT_TRUE(std::regex_search(log, m, std::regex("event=revocation_listening .*backend_pid=([0-9]+)")));
  cluster.db().exec("SELECT pg_terminate_backend(" + m[1].str() + ")");
  EXPECT_TRUE(eventually([&] { return log_has(first, "event=revocation_listen_failed"); }, 15s));
  ASSERT_TRUE(eventually(
      [&] { return count_of(first.process().log_text(), "event=revocation_listening") >= 2; }, 30s))
      << first.process().log_text();

  TempDir states;
  SimAgent agent(cluster.token(1), states.path() / "a", "clean-laptop");
  agent.start(1000, 50ms);
  ASSERT_TRUE(eventually([&] { return agent.acknowledged() >= 2; }, 30s));
  ASSERT_EQ(cluster.ctl({"revoke", agent.device_id()}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return log_has(first, "event=device_revoked device=" + agent.device_id()); }, 15s));
  agent.stop();
}

TEST(Cluster, StorePoolSizeOutsideItsRangeStopsTheCollectorWithTheRange) {
  auto server = postgres_server_url();
  if (!server) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  PostgresTestSchema schema(*server);
  TempDir data;
  auto r = run({binary("telltale-collector").string(), "--data-dir", data.path().string(), "--store", schema.url(),
                "--listen", "127.0.0.1:0", "--store-pool-size", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--store-pool-size 0 is not 1-256"), std::string::npos) << r.err;
}

TEST(Cluster, CaKeptEncryptedInTheDatabase_BothCollectorsSignWithItAndAWrongPassphraseStopsTheStart) {
  auto server = postgres_server_url();
  if (!server) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  Cluster cluster(*server, CaKeptIn::kDatabase);
  auto ca_of = [&](size_t i) {
    std::ifstream in(cluster.collector(i).data_dir() / "shared-ca" / "ca.crt");
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  ASSERT_FALSE(ca_of(0).empty());
  EXPECT_EQ(ca_of(0), ca_of(1)) << "both collectors must present one CA";
  EXPECT_EQ(cluster.db().query_int("SELECT COUNT(*) FROM shared_ca"), 1);
  EXPECT_EQ(cluster.db().query_int("SELECT COUNT(*) FROM shared_ca WHERE key_encrypted_pem LIKE "
                                   "'%BEGIN ENCRYPTED PRIVATE KEY%'"),
            1)
      << "the database holds the key encrypted only";

  // Agents enrolled through the balancer stream to whichever collector they land on.
  TempDir states;
  const auto token = cluster.token(4);
  std::vector<std::unique_ptr<SimAgent>> agents;
  for (int i = 0; i < 4; ++i) {
    agents.push_back(std::make_unique<SimAgent>(token, states.path() / std::to_string(i), "clean-laptop"));
    agents.back()->start(5, 20ms);
  }
  EXPECT_TRUE(eventually(
      [&] {
        for (auto& a : agents)
          if (a->acknowledged() < 5) return false;
        return true;
      },
      30s));
  for (auto& a : agents) a->stop();

  TempDir third;
  std::ofstream(third.path() / "wrong") << "not the passphrase\n";
  auto r = run({binary("telltale-collector").string(), "--data-dir", (third.path() / "data").string(), "--listen",
                "127.0.0.1:0", "--store", cluster.db().url(), "--ca-passphrase-file", (third.path() / "wrong").string()},
               30s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("does not open with this passphrase"), std::string::npos) << r.err;
}

TEST(Cluster, FleetCorrelationRunsOnOneCollectorAtATime_TheOtherTakesOverWhenItStops) {
  auto server = postgres_server_url();
  if (!server) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  Cluster cluster(*server);
  const std::string acquired = "event=lease_acquired lease=fleet_correlation";
  const std::string skipped = "event=lease_held_elsewhere lease=fleet_correlation";
  ASSERT_TRUE(eventually([&] { return log_has(cluster.collector(0), acquired) || log_has(cluster.collector(1), acquired); },
                         15s));
  const size_t holder = log_has(cluster.collector(0), acquired) ? 0 : 1, other = 1 - holder;
  ASSERT_TRUE(eventually([&] { return log_has(cluster.collector(other), skipped); }, 15s))
      << "the other collector should find the lease taken";
  std::this_thread::sleep_for(2s);  // two more correlation rounds on each
  EXPECT_FALSE(log_has(cluster.collector(other), acquired)) << "both collectors correlated";
  EXPECT_FALSE(log_has(cluster.collector(holder), skipped));

  // A clean stop hands the lease back; the other takes it at its next run.
  cluster.collector(holder).process().signal(SIGTERM);
  ASSERT_EQ(cluster.collector(holder).process().wait(15s), 0);
  EXPECT_TRUE(eventually([&] { return log_has(cluster.collector(other), acquired); }, 10s))
      << cluster.collector(other).process().log_text();
}

// A PostgreSQL server of the test's own (the fixture's one is shared with
// tests running in parallel, so it is never stopped mid-run).
class PrivatePostgres {
 public:
  PrivatePostgres() {
    if (control("start").exit_code != 0) throw std::runtime_error("postgres-server start failed");
    std::ifstream in(dir_.path() / "postgres" / "url");
    in >> url_;
  }
  ~PrivatePostgres() { control("stop"); }
  RunResult control(const std::string& command) {
    return run({std::string(TELLTALE_SOURCE_DIR) + "/tests/support/postgres-server", command, dir_.path().string()},
               60s);
  }
  const std::string& url() const { return url_; }

 private:
  TempDir dir_;
  std::string url_;
};

// A collector on the private database, and a one-use enrollment token for it.
struct CollectorOnPrivatePostgres {
  PrivatePostgres pg;
  CollectorProcess collector{{"--store", pg.url()}};
  std::string token() {
    auto r = collector.ctl({"--store", pg.url(), "token", "create", "--uses", "1"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }
};

// A real agent enrolled with the site and streaming; its spool, read
// directly, tells what the collector has acknowledged.
struct StreamingAgent {
  AgentProcess agent;
  explicit StreamingAgent(CollectorOnPrivatePostgres& site) : site_(site) {
    EXPECT_EQ(agent.enroll(site.token()).exit_code, 0);
    agent.start(fixture("clean-laptop"));
  }
  agent::SpoolStats spool() { return agent::Spool(agent.state_dir() / "spool.db", {}).stats(); }
  // Every report up to `seq` has left the spool: the collector acknowledged it.
  bool acknowledged_through(uint64_t seq) {
    auto oldest = agent::Spool(agent.state_dir() / "spool.db", {}).pending(0, 1);
    return oldest.empty() || oldest.front().seq() > seq;
  }
  bool streaming() { return eventually([&] { auto s = spool(); return s.last_seq >= 2 && s.depth == 0; }, 30s); }
  std::string logs() { return agent.process().log_text() + "\n--- collector\n" + site_.collector.process().log_text(); }

 private:
  CollectorOnPrivatePostgres& site_;
};

TEST(Cluster, DatabaseDownWhileAnAgentConnects_RefusedAsUnavailableNotUnauthenticated_StreamsOnceItIsBack) {
  if (!postgres_server_url()) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  CollectorOnPrivatePostgres site;
  auto& pg = site.pg;
  auto& collector = site.collector;
  TempDir state;
  SimAgent agent(site.token(), state.path() / "agent", "clean-laptop");

  ASSERT_EQ(pg.control("pause").exit_code, 0);
  agent.start(5, 20ms);
  // The collector has never seen this device, so it must ask the database.
  ASSERT_TRUE(eventually([&] { return log_has(collector, "collector cannot check devices right now"); }, 30s))
      << collector.process().log_text();
  EXPECT_FALSE(log_has(collector, "client certificate unreadable")) << "a database outage is not a bad certificate";
  EXPECT_EQ(agent.acknowledged(), 0u);

  ASSERT_EQ(pg.control("resume").exit_code, 0);
  EXPECT_TRUE(eventually([&] { return agent.acknowledged() >= 5; }, 60s)) << collector.process().log_text();
  agent.stop();
}

// The database going away under established streams is an outage, not a
// full disk: agents are told UNAVAILABLE (RESOURCE_EXHAUSTED stays for a
// store out of space), keep their spools, and everything arrives once the
// database is back.
TEST(Cluster, DatabaseDownWhileAnAgentStreams_IngestAnswersUnavailable_NothingLostWhenItIsBack) {
  if (!postgres_server_url()) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  CollectorOnPrivatePostgres site;
  StreamingAgent laptop(site);
  ASSERT_TRUE(laptop.streaming()) << laptop.logs();

  ASSERT_EQ(site.pg.control("pause").exit_code, 0);
  const std::string refused = "code=14 message=\"collector cannot store reports right now";
  ASSERT_TRUE(eventually([&] { return laptop.agent.process().log_text().find(refused) != std::string::npos; }, 30s))
      << laptop.logs();
  EXPECT_EQ(laptop.agent.process().log_text().find("code=8 "), std::string::npos) << "an outage is not a full disk";
  EXPECT_GT(laptop.spool().depth, 0u) << "reports wait in the spool";

  ASSERT_EQ(site.pg.control("resume").exit_code, 0);
  const uint64_t collected_during_outage = laptop.spool().last_seq;
  EXPECT_TRUE(eventually([&] { return laptop.acknowledged_through(collected_during_outage); }, 60s)) << laptop.logs();
  laptop.agent.stop();
}

// A database server that hangs without closing anything (frozen: its kernel
// still answers TCP, so no timeout fires) raises no error: acks just stop.
// The collector says so in its log and /metrics, the agent keeps its
// reports, and everything is stored once the server runs again.
TEST(Cluster, DatabaseHungUnderAStreamingAgent_StallIsLoggedNothingLostWhenItRunsAgain) {
  if (!postgres_server_url()) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
  CollectorOnPrivatePostgres site;
  StreamingAgent laptop(site);
  ASSERT_TRUE(laptop.streaming()) << laptop.logs();

  ASSERT_EQ(site.pg.control("freeze").exit_code, 0);
  const bool logged = eventually([&] { return log_has(site.collector, "event=ingest_stalled"); }, 40s);
  const uint64_t collected_while_hung = laptop.spool().last_seq;
  ASSERT_EQ(site.pg.control("thaw").exit_code, 0);  // before any assertion can end the test with the server stopped
  EXPECT_TRUE(logged) << laptop.logs();
  EXPECT_TRUE(eventually([&] { return laptop.acknowledged_through(collected_while_hung); }, 60s)) << laptop.logs();
  laptop.agent.stop();
}

}  // namespace
}  // namespace telltale::testing
