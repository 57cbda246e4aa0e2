// Detection inside the collector and compliance scans, end to end: real
// agents on fixture laptops stream to a real collector, which scores every
// report, pushes its catalog's watchlist, and answers scans with exit codes
// an MDM can act on (0 compliant, 1 non-compliant, 2 unknown).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "integration/agent_process.h"

namespace telltale::testing {
namespace {


RunResult scan(const AgentProcess& agent, const std::string& fixture_name) {
  return run({binary("telltale-agent").string(), "scan", "--state-dir", agent.state_dir().string(), "--root",
              fixture(fixture_name).string(), "--format", "json", "--scan-timeout", "20", "--log-level", "error"});
}

TEST(DetectionAndScan, PiKvmLaptopIsPuppeteeredAndFailsItsScanWhileTheCleanLaptopPasses) {
  CollectorProcess collector;
  AgentProcess kvm, clean;
  ASSERT_EQ(kvm.enroll(collector.token()).exit_code, 0);
  ASSERT_EQ(clean.enroll(collector.token()).exit_code, 0);
  kvm.start(fixture("pikvm-laptop"));
  clean.start(fixture("clean-laptop"));
  ASSERT_TRUE(eventually(
      [&] { return collector.verdict_of(kvm.device_id()) == "puppeteered" && collector.verdict_of(clean.device_id()) == "clean"; },
      std::chrono::seconds(40)))
      << collector.ctl({"devices"}).out << collector.process().log_text();

  // The catalog's watchlist reached the agents.
  EXPECT_TRUE(eventually([&] { return kvm.process().log_text().find("watchlist_tools=0") == std::string::npos &&
                                      kvm.process().log_text().find("event=config_update") != std::string::npos; },
                         std::chrono::seconds(10)))
      << kvm.process().log_text();

  auto history = collector.ctl({"verdicts", kvm.device_id()});
  EXPECT_NE(history.out.find("puppeteered"), std::string::npos) << history.out;

  auto failing = scan(kvm, "pikvm-laptop");
  EXPECT_EQ(failing.exit_code, 1) << failing.out << failing.err;
  EXPECT_NE(failing.out.find("\"status\":\"non-compliant\""), std::string::npos) << failing.out;
  EXPECT_NE(failing.out.find("usb.pikvm"), std::string::npos) << "the reasons name the indicators";

  auto passing = scan(clean, "clean-laptop");
  EXPECT_EQ(passing.exit_code, 0) << passing.out << passing.err;
  EXPECT_NE(passing.out.find("\"status\":\"compliant\""), std::string::npos) << passing.out;

  kvm.stop();
  clean.stop();
  collector.kill9();
  auto unknown = scan(clean, "clean-laptop");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.out << unknown.err;
  EXPECT_NE(unknown.out.find("\"status\":\"unknown\""), std::string::npos) << unknown.out;
}

TEST(DetectionAndScan, AssignmentImportBringsContextIntoVerdicts) {
  CollectorProcess collector({"--correlate-interval", "1"});
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  agent.start(fixture("korean-ime-laptop"));
  TempDir tmp;
  auto csv = tmp.path() / "assignments.csv";
  std::ofstream(csv) << "device,employee,email,timezone,region\n"
                     << agent.device_id() << ",Jordan Lee,jordan@example.com,America/Chicago,US-IL\n";
  auto imported = collector.ctl({"assignments", "import", csv.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  ASSERT_TRUE(eventually(
      [&] {
        auto h = collector.ctl({"verdicts", agent.device_id(), "--format", "json"});
        return h.out.find("context.") != std::string::npos;
      },
      std::chrono::seconds(40)))
      << collector.ctl({"verdicts", agent.device_id(), "--format", "json"}).out;
  auto list = collector.ctl({"devices", "--format", "csv"});
  EXPECT_NE(list.out.find("Jordan Lee"), std::string::npos) << list.out;

  std::ofstream(csv) << "device,employee,timezone\nX,Y\n";
  auto bad = collector.ctl({"assignments", "import", csv.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("assignments.csv:2"), std::string::npos) << bad.err;
  EXPECT_EQ(collector.ctl({"assignments", "list", "--format", "csv"}).out.find("\nX,"), std::string::npos)
      << "a refused import changes nothing";
  agent.stop();
}

TEST(DetectionAndScan, CtlEvaluatePrintsAVerdictFieldAndRefusesBadSnapshots) {
  TempDir tmp;
  auto r = run({binary("telltale-ctl").string(), "evaluate",
                (std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/scenarios/fixture-pikvm-laptop/snapshot.json").string(),
                "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"verdict\":\"puppeteered\"", 0), 0u) << r.out.substr(0, 200);
  std::ofstream(tmp.path() / "bad.json") << "{\"usbDevices\": 7}";
  auto bad = run({binary("telltale-ctl").string(), "evaluate", (tmp.path() / "bad.json").string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("is not a Snapshot"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace telltale::testing
