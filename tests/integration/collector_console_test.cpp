// The collector embeds the investigator console when --console is given:
// HTTPS with the console's own certificate, /metrics carrying the
// collector's counters, the API refusing anonymous callers.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "integration/agent_process.h"

namespace telltale::testing {
namespace {

TEST(CollectorConsole, ServesMetricsWithCollectorCountersAndRefusesAnonymousApiCalls) {
  CollectorProcess collector({"--console", "127.0.0.1:0"});
  const std::string port = collector.console_port();
  ASSERT_FALSE(port.empty()) << collector.process().log_text();
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  agent.start(fixture("clean-laptop"));
  const std::string base = "https://127.0.0.1:" + port;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = run({"/usr/bin/curl", "-sk", base + "/metrics"}, std::chrono::seconds(10));
        return r.out.find("telltale_connected_agents 1") != std::string::npos &&
               r.out.find("telltale_reports_stored_total 0") == std::string::npos;
      },
      std::chrono::seconds(30)))
      << run({"/usr/bin/curl", "-sk", base + "/metrics"}).out;
  // The ack path's latency is exported as histograms a Prometheus server can
  // take quantiles of; every stored report was observed once.
  const auto metrics = run({"/usr/bin/curl", "-sk", base + "/metrics"}).out;
  EXPECT_NE(metrics.find("# TYPE telltale_ack_latency_seconds histogram"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("telltale_ack_latency_seconds_bucket{le=\"+Inf\"}"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("# TYPE telltale_ingest_commit_seconds histogram"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("telltale_ack_latency_seconds_count 0\n"), std::string::npos) << metrics;
  auto anonymous = run({"/usr/bin/curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", base + "/api/v1/devices"});
  EXPECT_EQ(anonymous.out, "401");
  EXPECT_TRUE(std::filesystem::exists(collector.data_dir() / "console-admin-password"));
  agent.stop();
}

// An investigator reads and exports against the catalog the collector
// scores with, not the one compiled in.
TEST(CollectorConsole, ShowsTheCatalogTheCollectorWasStartedWith) {
  const auto dir = std::filesystem::temp_directory_path() / ("console-catalog-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ifstream in(std::string(TELLTALE_SOURCE_DIR) + "/server/detect/catalog/catalog.toml");
  std::string text{std::istreambuf_iterator<char>(in), {}};
  const std::regex version_line(R"(\nversion = "[^"]*")");
  ASSERT_TRUE(std::regex_search(text, version_line));
  text = std::regex_replace(text, version_line, "\nversion = \"2099.01.01-site\"", std::regex_constants::format_first_only);
  std::ofstream(dir / "catalog.toml") << text;

  CollectorProcess collector({"--console", "127.0.0.1:0", "--catalog", (dir / "catalog.toml").string()});
  const std::string port = collector.console_port();
  ASSERT_FALSE(port.empty()) << collector.process().log_text();
  const std::string base = "https://127.0.0.1:" + port;
  const std::string jar = (dir / "cookies").string();
  std::ifstream pw_file(collector.data_dir() / "console-admin-password");
  std::string one_time;
  std::getline(pw_file, one_time);

  // The first login holds the one-time password and may only change it.
  auto login = run({"/usr/bin/curl", "-sk", "-c", jar, "-H", "Content-Type: application/json", "-d",
                    R"({"username":"admin","password":")" + one_time + R"("})", base + "/api/v1/login"});
  std::smatch csrf;
  ASSERT_TRUE(std::regex_search(login.out, csrf, std::regex(R"re("csrf":"([^"]+)")re"))) << login.out;
  auto change = run({"/usr/bin/curl", "-sk", "-b", jar, "-H", "Content-Type: application/json", "-H",
                     "X-CSRF-Token: " + csrf[1].str(), "-d",
                     R"({"old_password":")" + one_time + R"(","new_password":"a long new passphrase"})",
                     base + "/api/v1/password"});
  ASSERT_NE(change.out.find("\"ok\":true"), std::string::npos) << change.out;

  auto catalog = run({"/usr/bin/curl", "-sk", "-b", jar, base + "/api/v1/catalog"});
  EXPECT_NE(catalog.out.find("\"version\":\"2099.01.01-site\""), std::string::npos) << catalog.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace telltale::testing
