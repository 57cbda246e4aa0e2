// `telltale-agent run --once`: an MDM triggers a check-in; the agent collects
// once, streams, and exits 0 only when the collector has acknowledged it.
// The same code runs in telltale-agent.exe (tests/windows/e2e/run-e2e).
#include <gtest/gtest.h>

#include "integration/agent_process.h"
#include "integration/store_reads.h"

namespace telltale::testing {
namespace {

RunResult run_once(const AgentProcess& agent, int timeout_s) {
  return run({binary("telltale-agent").string(), "run", "--once", "--once-timeout", std::to_string(timeout_s),
              "--state-dir", agent.state_dir().string(), "--root", fixture("pikvm-laptop").string(),
              "--backoff-max-ms", "300"},
             std::chrono::seconds(120));
}

TEST(RunOnce, MdmCheckIn_DeliversOneSnapshotAndExitsZero) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  auto r = run_once(agent, 60);
  ASSERT_EQ(r.exit_code, 0) << r.err << collector.process().log_text();
  EXPECT_NE(r.err.find("event=once_delivered"), std::string::npos) << r.err;
  EXPECT_EQ(stored_seqs(collector.data_dir(), agent.device_id()).size(), 1u);
  ASSERT_TRUE(eventually([&] { return !collector.verdict_of(agent.device_id()).empty(); }, std::chrono::seconds(20)));
  EXPECT_EQ(collector.verdict_of(agent.device_id()), "puppeteered");
}

TEST(RunOnce, CollectorDown_ExitsOneKeepsTheSnapshotAndTheNextCheckInSendsBoth) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  collector.kill9();
  auto down = run_once(agent, 2);
  EXPECT_EQ(down.exit_code, 1) << down.err;
  EXPECT_NE(down.err.find("event=once_not_delivered spool_depth=1"), std::string::npos) << down.err;

  collector.restart();
  auto up = run_once(agent, 60);
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(stored_seqs(collector.data_dir(), agent.device_id()).size(), 2u)
      << "the snapshot of the failed check-in was kept and sent with the new one";
}

}  // namespace
}  // namespace telltale::testing
