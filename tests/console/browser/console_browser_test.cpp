// The console's web UI in a real browser: a real collector with its console,
// real agents (two PiKVM laptops of different assignees, so the fleet rules
// make a shared-KVM cluster, and a clean laptop) with assignments imported,
// then console.spec.mjs drives headless Chromium through every page. The
// screenshots land in <build>/console-screenshots/ for review.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "integration/agent_process.h"

namespace telltale::testing {
namespace {

const std::filesystem::path kChromium = "/usr/lib/chromium/chromium";

std::filesystem::path find_node() {
  for (const char* p : {"/usr/bin/node", "/usr/bin/nodejs", "/usr/local/bin/node"})
    if (std::filesystem::exists(p)) return p;
  return {};
}


TEST(ConsoleBrowser, InvestigatorLogsInSeesThePuppeteeredDevicesEvidenceOpensACaseAndLogsOut) {
  const auto browser_dir = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/console/browser";
  const auto node = find_node();
  if (node.empty()) GTEST_SKIP() << "node is not installed (apt-get install nodejs npm; .ci/deps does)";
  if (!std::filesystem::exists(kChromium)) GTEST_SKIP() << kChromium << " is missing (apt-get install chromium; .ci/deps does)";
  if (!std::filesystem::exists(browser_dir / "node_modules/playwright-core"))
    GTEST_SKIP() << "playwright-core is not installed: npm ci --prefix tests/console/browser (.ci/test does)";

  // A shared KVM serial clusters only once corroborated (3 reports over 6 h
  // by default, docs/ARCHITECTURE.md); these laptops live for a minute, so
  // the thresholds are lowered here — the rule itself is the same.
  TempDir detect_dir;
  const auto detect_config = detect_dir.path() / "detect.toml";
  std::ofstream(detect_config) << "[detect]\nshared_serial_min_reports = 2\nshared_serial_min_span_hours = 0\n";
  CollectorProcess collector(
      {"--console", "127.0.0.1:0", "--correlate-interval", "1", "--detect-config", detect_config.string()});
  const std::string port = collector.console_port();
  ASSERT_FALSE(port.empty()) << collector.process().log_text();

  AgentProcess kvm, kvm2, clean;
  ASSERT_EQ(kvm.enroll(collector.token()).exit_code, 0);
  ASSERT_EQ(kvm2.enroll(collector.token()).exit_code, 0);
  ASSERT_EQ(clean.enroll(collector.token()).exit_code, 0);
  kvm.start(fixture("pikvm-laptop"));
  kvm2.start(fixture("pikvm-laptop"));
  clean.start(fixture("clean-laptop"));

  TempDir tmp;
  auto csv = tmp.path() / "assignments.csv";
  std::ofstream(csv) << "device,employee,email,timezone,region\n"
                     << kvm.device_id() << ",Jordan Lee,jordan@example.com,America/Chicago,US-IL\n"
                     << kvm2.device_id() << ",Alex Kim,alex@example.com,Asia/Seoul,KR\n"
                     << clean.device_id() << ",Sam Rivera,sam@example.com,America/New_York,US-NY\n";
  auto imported = collector.ctl({"assignments", "import", csv.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  ASSERT_TRUE(eventually(
      [&] { return collector.verdict_of(kvm.device_id()) == "puppeteered" && collector.verdict_of(clean.device_id()) == "clean"; },
      std::chrono::seconds(60)))
      << collector.ctl({"devices"}).out << collector.process().log_text();
  // One KVM serial on two assignees' laptops: the Clusters page has something to show.
  ASSERT_TRUE(eventually([&] { return collector.ctl({"clusters"}).out.find("shared_kvm_serial") != std::string::npos; },
                         std::chrono::seconds(30)))
      << collector.ctl({"clusters"}).out;

  const auto out_dir = std::filesystem::path(TELLTALE_BINARY_DIR) / "console-screenshots";
  std::filesystem::remove_all(out_dir);
  std::filesystem::create_directories(out_dir);
  std::vector<std::string> argv = {node.string(), (browser_dir / "console.spec.mjs").string(),
                                   "--url", "https://127.0.0.1:" + port,
                                   "--password-file", (collector.data_dir() / "console-admin-password").string(),
                                   "--device", kvm.device_id(),
                                   "--kvm-text", "usb.pikvm",
                                   "--cluster-kind", "shared_kvm_serial",
                                   "--out", out_dir.string(),
                                   // This collector has the cases API: a 404 there is a failure, not a skip.
                                   "--require-cases"};
  auto r = run(argv, std::chrono::seconds(240));
  EXPECT_EQ(r.exit_code, 0) << "console.spec.mjs failed:\n" << r.out << r.err << "\ncollector log tail:\n"
                            << collector.process().log_text().substr(
                                   collector.process().log_text().size() > 4000 ? collector.process().log_text().size() - 4000 : 0);
  std::cout << r.out;
  kvm.stop();
  kvm2.stop();
  clean.stop();
}

}  // namespace
}  // namespace telltale::testing
