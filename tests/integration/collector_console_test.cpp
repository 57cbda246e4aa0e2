// The collector embeds the investigator console when --console is given:
// HTTPS with the console's own certificate, /metrics carrying the
// collector's counters, the API refusing anonymous callers.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace telltale::testing
