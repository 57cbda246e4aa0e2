// The agent's command line where it differs per OS.
#include <gtest/gtest.h>

#include "integration/harness.h"

namespace telltale::testing {
namespace {

TEST(AgentCommandLine, RunAsAServiceOnLinux_IsRefusedWithWhatRunsTheAgentHere) {
  // --service adapts the agent to Windows' Service Control Manager; systemd
  // runs `run` itself, so on Linux the flag is a mistake worth naming.
  TempDir state;
  auto r = run({binary("telltale-agent").string(), "run", "--service", "--state-dir", state.path().string(),
                "--root", fixture("clean-laptop").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--service is for Windows' service manager"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(state.path())) << "nothing was started";
}

}  // namespace
}  // namespace telltale::testing
