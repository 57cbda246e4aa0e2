// The agent sheds optional work when it costs more than its budget, and says so in its snapshot.
#include <gtest/gtest.h>

#include "integration/agent_process.h"

namespace telltale::testing {
namespace {

TEST(AgentWatchdog, OverItsMemoryBudgetTheAgentShedsInputTimingAndReportsIt) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  agent.start(fixture("korean-ime-laptop"), {"--rss-budget-mb", "1"});
  ASSERT_TRUE(eventually(
      [&] {
        auto shown = collector.ctl({"show", agent.device_id()});
        // health.shedWork names it at once; inputActivity.shed from the next collection on.
        return shown.out.find("\"input_timing\"") != std::string::npos &&
               shown.out.find("\"shed\": true") != std::string::npos;
      },
      std::chrono::seconds(30)))
      << collector.ctl({"show", agent.device_id()}).out.substr(0, 2000) << agent.process().log_text();
  EXPECT_NE(agent.process().log_text().find("event=watchdog_shed work=input_timing"), std::string::npos);
  agent.stop();
}

}  // namespace
}  // namespace telltale::testing
