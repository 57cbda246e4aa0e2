// Scheduled fleet reports: a collector started with a short interval writes
// JSON, CSV and HTML with compliance per device and silent devices.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "integration/agent_process.h"

namespace telltale::testing {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(FleetReport, ShortIntervalCollectorWritesComplianceReportsListedByCtl) {
  CollectorProcess collector({"--report-interval", "2", "--silent-hours", "1"});
  AgentProcess kvm, quiet;
  ASSERT_EQ(kvm.enroll(collector.token()).exit_code, 0);
  ASSERT_EQ(quiet.enroll(collector.token()).exit_code, 0);  // enrolled, never reports: silent
  kvm.start(fixture("pikvm-laptop"));
  std::filesystem::path json;
  ASSERT_TRUE(eventually(
      [&] {
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(collector.data_dir() / "reports", ec))
          if (e.path().extension() == ".json" && slurp(e.path()).find("puppeteered") != std::string::npos) {
            json = e.path();
            return std::filesystem::exists(std::filesystem::path(json).replace_extension(".html"));
          }
        return false;
      },
      std::chrono::seconds(40)))
      << collector.process().log_text();
  const auto text = slurp(json);
  // The PiKVM laptop fails; the one that never reported has no verdict, which is not compliance.
  EXPECT_NE(text.find("\"compliant\":0,\"noncompliant\":2"), std::string::npos) << text;
  EXPECT_NE(text.find("\"silent\":true"), std::string::npos) << "the enrolled laptop that never reported is silent";
  EXPECT_NE(text.find(quiet.device_id()), std::string::npos);
  auto csv = slurp(std::filesystem::path(json).replace_extension(".csv"));
  EXPECT_EQ(csv.rfind("device_id,hostname,serial,assignee,verdict,score,compliant,silent", 0), 0u);
  auto html = slurp(std::filesystem::path(json).replace_extension(".html"));
  EXPECT_NE(html.find("<h2>New findings</h2>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos) << "self-contained and inert";
  auto listed = collector.ctl({"reports"});
  EXPECT_NE(listed.out.find(json.stem().string()), std::string::npos) << listed.out;
  kvm.stop();
}

}  // namespace
}  // namespace telltale::testing
