// The Mac fixtures end to end through the shipped command line: the probes'
// snapshot as JSON (mac_fixture_snapshot), judged by `telltale-ctl evaluate`.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "macos/mac_test_support.h"
#include "platform/macos/command_runner.h"

namespace telltale::platform::macos_probe {
namespace {

using telltale::macos_testing::fixtures;
using telltale::macos_testing::write_script;

struct Case {
  const char* fixture;
  const char* level;
};

TEST(MacCtlEvaluate, EachMacFixtureSnapshot_GetsItsVerdictFromTelltaleCtl) {
  const std::filesystem::path build(TELLTALE_BINARY_DIR);
  telltale::testing::TempDir tmp;
  write_script(tmp.path() / "mac_fixture_snapshot", "exec '" + (build / "tests/tools/mac_fixture_snapshot").string() + "' \"$@\"");
  write_script(tmp.path() / "telltale-ctl", "exec '" + (build / "server/telltale-ctl").string() + "' \"$@\"");
  SpawnOptions o;
  o.tool_dir = tmp.path();
  o.timeout = std::chrono::seconds(120);
  SpawnRunner runner(o);
  for (const Case& c : {Case{"clean-macbook", "clean"}, Case{"pikvm-macbook", "puppeteered"},
                        Case{"jetkvm-logitech-clone-macbook", "puppeteered"},
                        Case{"anydesk-screensharing-macbook", "review"}, Case{"korean-2set-macbook", "clean"}}) {
    SCOPED_TRACE(c.fixture);
    auto snap = runner.run({"mac_fixture_snapshot", (fixtures() / c.fixture).string()});
    ASSERT_EQ(snap.exit_code, 0) << snap.error_output;
    const auto json_path = tmp.path() / (std::string(c.fixture) + ".json");
    std::ofstream(json_path) << snap.output;
    auto verdict = runner.run({"telltale-ctl", "--data-dir", (tmp.path() / "ctl").string(), "--format", "json", "evaluate",
                               json_path.string(), "--device", c.fixture});
    ASSERT_EQ(verdict.exit_code, 0) << verdict.error_output;
    auto doc = boost::json::parse(verdict.output);
    EXPECT_EQ(std::string(doc.at("verdict").as_string().c_str()), c.level) << verdict.output;
  }
}

}  // namespace
}  // namespace telltale::platform::macos_probe
