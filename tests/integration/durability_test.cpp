// "Loses nothing": acknowledged reports survive a collector crash, and a
// report committed but not yet acknowledged is re-sent and stored once.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "agent/spool/spool.h"
#include "integration/agent_process.h"
#include "integration/store_reads.h"

namespace telltale::testing {
namespace {


TEST(Durability, CollectorDyingBetweenCommitAndAckLeadsToAResendStoredOnce) {
  // The first start dies right after its first commit, before any ack leaves.
  CollectorProcess collector({}, {"TELLTALE_FAULT_EXIT_AFTER_COMMIT=1"});
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  const auto device = agent.device_id();
  agent.start(fixture("clean-laptop"));
  ASSERT_EQ(collector.process().wait(std::chrono::seconds(30)), 137) << collector.process().log_text();
  auto before = stored_seqs(collector.data_dir(), device);
  ASSERT_FALSE(before.empty()) << "the fault fires after a commit";

  collector.restart();
  ASSERT_TRUE(eventually([&] { return stored_seqs(collector.data_dir(), device).size() >= before.size() + 3; },
                         std::chrono::seconds(40)))
      << agent.process().log_text() << collector.process().log_text();
  agent.stop();

  auto after = stored_seqs(collector.data_dir(), device);
  EXPECT_EQ(std::set<uint64_t>(after.begin(), after.end()).size(), after.size()) << "no report stored twice";
  for (auto seq : before) EXPECT_TRUE(std::binary_search(after.begin(), after.end(), seq)) << seq;
  EXPECT_NE(collector.process().log_text().find("event=hello"), std::string::npos);
  // The re-sent, already committed reports were answered as duplicates.
  EXPECT_NE(agent.process().log_text().find("event=session_open"), std::string::npos);
}

TEST(Durability, AgentSpoolsWhileTheCollectorIsDownAndDrainsWhenItReturns) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  const auto device = agent.device_id();
  collector.kill9();
  agent.start(fixture("clean-laptop"));
  // Several collections pile up in the spool with nobody to send them to.
  ASSERT_TRUE(eventually(
      [&] {
        agent::Spool spool(agent.state_dir() / "spool.db", {});
        return spool.stats().depth >= 3;
      },
      std::chrono::seconds(30)));
  // Everything collected while nobody listened must arrive. The agent keeps
  // collecting every second meanwhile, so "spool empty" is a moving target on
  // a loaded CI machine; the offline seqs being stored is the property.
  const uint64_t offline_last = agent::Spool(agent.state_dir() / "spool.db", {}).stats().last_seq;
  collector.restart();
  ASSERT_TRUE(eventually(
      [&] {
        auto seqs = stored_seqs(collector.data_dir(), device);
        return seqs.size() >= offline_last && !seqs.empty() && seqs.back() >= offline_last;
      },
      std::chrono::seconds(60)))
      << "offline reports 1.." << offline_last << " not all stored\n--- agent\n"
      << agent.process().log_text() << "\n--- collector\n" << collector.process().log_text() << "\n--- sockets\n"
      << run({"/usr/bin/ss", "-tanpe", "( sport = :" + collector.address().substr(collector.address().rfind(':') + 1) +
                                           " or dport = :" +
                                           collector.address().substr(collector.address().rfind(':') + 1) + " )"})
             .out;
  // And the spool drains: what is still pending is only what was collected since.
  ASSERT_TRUE(eventually(
      [&] {
        agent::Spool spool(agent.state_dir() / "spool.db", {});
        auto oldest = spool.pending(0, 1);
        return oldest.empty() || oldest.front().seq() > offline_last;
      },
      std::chrono::seconds(20)));
  agent.stop();
  auto seqs = stored_seqs(collector.data_dir(), device);
  // Contiguous from 1: nothing the agent collected while offline was lost.
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
}

TEST(Durability, AgentStopsCleanlyOnSigtermAndKeepsUnsentReports) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  collector.kill9();
  agent.start(fixture("clean-laptop"));
  ASSERT_TRUE(eventually([&] { return agent.process().log_text().find("event=collected") != std::string::npos; },
                         std::chrono::seconds(20)));
  agent.process().signal(SIGTERM);
  EXPECT_EQ(agent.process().wait(std::chrono::seconds(15)), 0) << agent.process().log_text();
  agent::Spool spool(agent.state_dir() / "spool.db", {});
  EXPECT_GE(spool.stats().depth, 1u) << "unacknowledged reports stay in the spool";
}

}  // namespace
}  // namespace telltale::testing
