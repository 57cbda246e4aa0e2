// Zero-touch enrollment as an MDM does it: a token file dropped before the
// collector is reachable; the agent keeps retrying, enrolls when it can,
// removes the token from disk and starts streaming.
#include <gtest/gtest.h>

#include <fstream>

#include "integration/agent_process.h"

namespace telltale::testing {
namespace {

TEST(ZeroTouch, AgentEnrollsFromADroppedTokenOnceTheCollectorIsUpAndRemovesTheToken) {
  CollectorProcess collector;
  const auto token = collector.token();
  collector.kill9();
  TempDir mdm;
  const auto token_file = mdm.path() / "enrollment.token";
  std::ofstream(token_file) << token << "\n";

  AgentProcess agent;
  agent.start(fixture("clean-laptop"), {"--token-file", token_file.string(), "--timeout", "3"});
  ASSERT_TRUE(eventually([&] { return agent.process().log_text().find("event=enroll_failed") != std::string::npos; },
                         std::chrono::seconds(20)))
      << agent.process().log_text();
  EXPECT_TRUE(std::filesystem::exists(token_file)) << "the token stays until enrollment succeeds";

  collector.restart();
  ASSERT_TRUE(eventually([&] { return agent.process().log_text().find("event=session_open") != std::string::npos; },
                         std::chrono::seconds(40)))
      << agent.process().log_text();
  EXPECT_FALSE(std::filesystem::exists(token_file)) << "the token is removed from disk after enrollment";
  EXPECT_FALSE(agent.device_id().empty());
  agent.stop();
  EXPECT_EQ(agent.process().wait(std::chrono::seconds(5)), 0);
}

TEST(ZeroTouch, TokenInTheManagedConfigIsRemovedFromItAfterEnrollment) {
  CollectorProcess collector;
  TempDir mdm;
  const auto config = mdm.path() / "agent.toml";
  std::ofstream(config) << "# managed by MDM\ncollect-interval = 1\ntoken = \"" << collector.token() << "\"\n";
  AgentProcess agent;
  agent.start(fixture("clean-laptop"), {"--config", config.string()});
  ASSERT_TRUE(eventually([&] { return agent.process().log_text().find("event=session_open") != std::string::npos; },
                         std::chrono::seconds(30)))
      << agent.process().log_text();
  std::ifstream in(config);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("token"), std::string::npos) << text;
  EXPECT_NE(text.find("collect-interval = 1"), std::string::npos) << "the rest of the managed config stays";
  agent.stop();
}

TEST(ZeroTouch, RunWithoutIdentityOrTokenSaysWhatIsMissing) {
  TempDir state;
  auto r = run({binary("telltale-agent").string(), "run", "--state-dir", state.path().string(), "--root",
                fixture("clean-laptop").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not enrolled and no token given"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace telltale::testing
