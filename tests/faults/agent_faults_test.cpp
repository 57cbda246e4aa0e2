// Faults on the agent's side, with real `telltale-agent run` processes:
// SIGKILL mid-stream, and a cloned identity streaming at the same time.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>

#include "agent/spool/spool.h"
#include "integration/agent_process.h"
#include "integration/store_reads.h"
#include "platform/common/sqlite.h"

namespace telltale::testing {
namespace {
using namespace std::chrono_literals;

std::map<uint64_t, int> rows_by_seq(const std::filesystem::path& data_dir, const std::string& device) {
  sqlite::Database d(data_dir / "telltale.db");
  auto st = d.prepare("SELECT seq, COUNT(*) FROM reports WHERE device_id=? GROUP BY seq");
  st.bind(1, device);
  std::map<uint64_t, int> out;
  while (st.step()) out[static_cast<uint64_t>(st.int64(0))] = static_cast<int>(st.int64(1));
  return out;
}

TEST(AgentFaults, AgentSigkilledAndRestartedMidStream_NoDuplicateNoGap) {
  // The harness's collector pushes a 1 s collect interval, which keeps the stream busy.
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  const auto device = agent.device_id();
  agent.start(fixture("clean-laptop"));
  ASSERT_TRUE(eventually([&] { return rows_by_seq(collector.data_dir(), device).size() >= 3; }, 30s))
      << agent.process().log_text();
  agent.process().signal(SIGKILL);
  ASSERT_EQ(agent.process().wait(10s), 128 + SIGKILL);
  const size_t at_kill = rows_by_seq(collector.data_dir(), device).size();

  agent.start(fixture("clean-laptop"));
  ASSERT_TRUE(eventually([&] { return rows_by_seq(collector.data_dir(), device).size() >= at_kill + 3; }, 30s))
      << agent.process().log_text();
  agent.stop();

  agent::Spool spool(agent.state_dir() / "spool.db", {});
  const auto stats = spool.stats();
  std::set<uint64_t> pending;
  for (const auto& r : spool.pending(0, 100000)) pending.insert(r.seq());
  auto rows = rows_by_seq(collector.data_dir(), device);
  // Every seq the agent ever assigned is stored exactly once or still waiting
  // in the spool: nothing lost across the kill, nothing doubled.
  for (uint64_t seq = 1; seq <= stats.last_seq; ++seq) {
    const bool stored = rows.count(seq) > 0;
    // Stored and still pending is allowed: committed, but the ack was still on
    // its way when the agent stopped; the re-send is answered as a duplicate.
    EXPECT_TRUE(stored || pending.count(seq) > 0) << "seq " << seq << " lost";
    if (stored) {
      EXPECT_EQ(rows[seq], 1) << "seq " << seq;
    }
  }
  EXPECT_EQ(rows.rbegin()->first, rows.size()) << "stored seqs are 1..N without a gap";
  std::cout << "agent killed after " << at_kill << " stored; finally " << rows.size() << " stored, " << pending.size()
            << " pending, last seq " << stats.last_seq << "\n";
}

// A copy of an enrolled state dir (key, certificate, identity) run next to
// the original: a cloned laptop image, or a stolen key.
void clone_identity(const AgentProcess& from, const AgentProcess& to) {
  for (const char* f : {"device.key", "device.crt", "ca.crt", "identity.toml"})
    std::filesystem::copy_file(from.state_dir() / f, to.state_dir() / f,
                               std::filesystem::copy_options::overwrite_existing);
}

TEST(AgentFaults, SecondAgentWithTheSameCertificate_IsFlaggedAsConcurrentSession) {
  CollectorProcess collector;
  AgentProcess original, clone;
  ASSERT_EQ(original.enroll(collector.token()).exit_code, 0);
  clone_identity(original, clone);
  original.start(fixture("clean-laptop"));
  clone.start(fixture("pikvm-laptop"));
  ASSERT_TRUE(eventually(
      [&] { return collector.process().log_text().find("event=concurrent_session") != std::string::npos; }, 30s))
      << collector.process().log_text();
  const auto log = collector.process().log_text();
  EXPECT_NE(log.find("device=" + original.device_id()), std::string::npos);
  // Both sessions were let in (the certificate is valid): flagged, not refused.
  size_t opens = 0;
  for (size_t at = 0; (at = log.find("event=stream_open device=" + original.device_id(), at)) != std::string::npos; ++at)
    ++opens;
  EXPECT_GE(opens, 2u);
  original.stop();
  clone.stop();
}

// The clone numbers its reports 1, 2, 3… exactly like the original. A true
// re-send carries the same bytes; the clone's differ, so the collector keeps
// them apart (report_conflicts) instead of answering "duplicate" and merging
// two laptops into one history.
TEST(AgentFaults, SecondAgentWithTheSameCertificate_BothStoredNotMerged) {
  CollectorProcess collector;
  AgentProcess original, clone;
  ASSERT_EQ(original.enroll(collector.token()).exit_code, 0);
  clone_identity(original, clone);
  original.start(fixture("clean-laptop"));
  clone.start(fixture("pikvm-laptop"));
  auto sent = [](const AgentProcess& a) {
    agent::Spool spool(a.state_dir() / "spool.db", {});
    auto s = spool.stats();
    return s.last_seq - s.depth;  // acknowledged by the collector
  };
  // Both must have had reports acknowledged, so their seqs overlap (a fixed
  // sleep was too short under sanitizers on a loaded machine).
  ASSERT_TRUE(eventually([&] { return sent(original) >= 2 && sent(clone) >= 2; }, 60s))
      << original.process().log_text() << clone.process().log_text();
  original.stop();
  clone.stop();
  const uint64_t acked = sent(original) + sent(clone);
  sqlite::Database d(collector.data_dir() / "telltale.db");
  auto count = [&](const char* sql) {
    auto st = d.prepare(sql);
    st.step();
    return static_cast<uint64_t>(st.int64(0));
  };
  const uint64_t reports = count("SELECT COUNT(*) FROM reports");
  const uint64_t conflicts = count("SELECT COUNT(*) FROM report_conflicts");
  // At least: a report stored just before the stop may not have had its ack
  // delivered (the agent keeps it and would re-send it as a duplicate).
  EXPECT_GE(reports + conflicts, acked) << "every report either laptop had acknowledged is stored as its own row";
  EXPECT_GT(conflicts, 0u) << "the clone's reuse of seqs was noticed";
  EXPECT_EQ(count("SELECT conflicts FROM devices"), conflicts);
}

// The wall clock steps 3 h forward under a running agent (NTP step, manual
// change, resume from suspend): the agent reports a ClockJump event, its
// reports keep flowing with contiguous seqs, nothing is lost. libfaketime
// moves only the agent's CLOCK_REALTIME (the monotonic clock stays real),
// read from a file the test rewrites while the agent runs.
TEST(AgentFaults, WallClockJumpUnderARunningAgent_IsReportedAsAnEventAndLosesNothing) {
  const std::filesystem::path libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  ASSERT_TRUE(std::filesystem::exists(libfaketime)) << "needs Debian's faketime package (.ci/deps installs it)";
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  const auto device = agent.device_id();
  TempDir dir;
  const auto offset = dir.path() / "offset";
  std::ofstream(offset) << "+0\n";
  agent.start(fixture("clean-laptop"), {},
              {"LD_PRELOAD=" + libfaketime.string(), "FAKETIME_TIMESTAMP_FILE=" + offset.string(), "FAKETIME_NO_CACHE=1",
               "FAKETIME_DONT_FAKE_MONOTONIC=1",
               // Under the sanitized CI build the preload sits before ASan's runtime; allowed here on purpose.
               "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:abort_on_error=1"});
  ASSERT_TRUE(eventually([&] { return stored_seqs(collector.data_dir(), device).size() >= 2; }, 30s))
      << agent.process().log_text();
  std::ofstream(offset) << "+3h\n";
  int64_t delta_ms = 0;
  ASSERT_TRUE(eventually(
      [&] {
        server::SqliteStore store(collector.data_dir() / "telltale.db");
        for (const auto& e : store.events(device, 100))
          if (e.event.has_clock_jump()) delta_ms = e.event.clock_jump().delta_ms();
        return delta_ms != 0;
      },
      30s))
      << agent.process().log_text();
  EXPECT_NEAR(static_cast<double>(delta_ms), 3 * 3600e3, 60e3) << "the jump is measured against the monotonic clock";
  // Reports after the jump are still taken; none lost or repeated.
  const size_t before = stored_seqs(collector.data_dir(), device).size();
  ASSERT_TRUE(eventually([&] { return stored_seqs(collector.data_dir(), device).size() >= before + 2; }, 30s));
  agent.stop();
  const auto seqs = stored_seqs(collector.data_dir(), device);
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
  EXPECT_NE(agent.process().log_text().find("event=clock_jump"), std::string::npos);
}

}  // namespace
}  // namespace telltale::testing
