// Alerts, delivery channels and suppressions in a real browser: a real
// collector with its console and real agents (a PiKVM laptop, a laptop with
// AnyDesk and RustDesk), real receivers on loopback (a webhook receiver that
// checks the HMAC, an RFC 5424 syslog receiver over TCP, an SMTP sink), then
// alerts.spec.mjs drives the feed, triage, channel set-up with Send test and a
// suppression. Screenshots in <build>/console-screenshots/alerts/.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "integration/agent_process.h"
#include "tests/console/receiver_process.h"

namespace telltale::testing {
namespace {

const std::filesystem::path kChromium = "/usr/lib/chromium/chromium";

std::filesystem::path node_binary() {
  for (const char* p : {"/usr/bin/node", "/usr/bin/nodejs", "/usr/local/bin/node"})
    if (std::filesystem::exists(p)) return p;
  return {};
}

TEST(ConsoleBrowser, AdminTriagesTheFeedSetsUpWebhookSyslogAndMailChannelsAndSuppressesAnApprovedAnyDesk) {
  using telltale::console_test::ReceiverProcess;
  using telltale::console_test::log_lines;
  const auto browser_dir = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/console/browser";
  const auto node = node_binary();
  if (node.empty()) GTEST_SKIP() << "node is not installed (apt-get install nodejs npm; .ci/deps does)";
  if (!std::filesystem::exists(kChromium)) GTEST_SKIP() << kChromium << " is missing (apt-get install chromium; .ci/deps does)";
  if (!std::filesystem::exists(browser_dir / "node_modules/playwright-core"))
    GTEST_SKIP() << "playwright-core is not installed: npm ci --prefix tests/console/browser (.ci/test does)";

  TempDir tmp;
  const auto secret_file = tmp.path() / "webhook.secret", webhook_log = tmp.path() / "webhook.log",
             syslog_log = tmp.path() / "syslog.log", smtp_log = tmp.path() / "smtp.log";
  ReceiverProcess webhook("webhook_receiver.py", {"--secret-file", secret_file.string(), "--log", webhook_log.string()});
  ReceiverProcess syslog("syslog_receiver.py", {"--proto", "tcp", "--log", syslog_log.string()});
  ReceiverProcess smtp("smtp_receiver.py", {"--log", smtp_log.string()});

  CollectorProcess collector({"--console", "127.0.0.1:0"});
  const std::string port = collector.console_port();
  ASSERT_FALSE(port.empty()) << collector.process().log_text();
  AgentProcess kvm, helpdesk;
  ASSERT_EQ(kvm.enroll(collector.token()).exit_code, 0);
  ASSERT_EQ(helpdesk.enroll(collector.token()).exit_code, 0);
  kvm.start(fixture("pikvm-laptop"));
  helpdesk.start(fixture("anydesk-rustdesk-laptop"));
  ASSERT_TRUE(eventually(
      [&] {
        auto h = collector.verdict_of(helpdesk.device_id());
        return collector.verdict_of(kvm.device_id()) == "puppeteered" && !h.empty() && h != "clean";
      },
      std::chrono::seconds(60)))
      << collector.ctl({"devices"}).out << collector.process().log_text();

  const auto out_dir = std::filesystem::path(TELLTALE_BINARY_DIR) / "console-screenshots" / "alerts";
  std::filesystem::remove_all(out_dir);
  std::filesystem::create_directories(out_dir);
  std::vector<std::string> argv = {node.string(), (browser_dir / "alerts.spec.mjs").string(),
                                   "--url", "https://127.0.0.1:" + port,
                                   "--password-file", (collector.data_dir() / "console-admin-password").string(),
                                   "--kvm-device", kvm.device_id(),
                                   "--helpdesk-device", helpdesk.device_id(),
                                   "--webhook-url", "http://127.0.0.1:" + std::to_string(webhook.port()) + "/telltale",
                                   "--webhook-secret-file", secret_file.string(),
                                   "--syslog-url", "tcp://127.0.0.1:" + std::to_string(syslog.port()),
                                   "--smtp-url", "smtp://127.0.0.1:" + std::to_string(smtp.port()),
                                   "--dead-url", "http://127.0.0.1:" + std::to_string(telltale::console_test::free_port()) + "/",
                                   "--out", out_dir.string()};
  auto r = run(argv, std::chrono::seconds(240));
  const std::string log = collector.process().log_text();
  EXPECT_EQ(r.exit_code, 0) << "alerts.spec.mjs failed:\n" << r.out << r.err << "\ncollector log tail:\n"
                            << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  std::cout << r.out;

  // What the receivers got from the Send test buttons: a webhook whose HMAC
  // the receiver verified, an RFC 5424 message, a mail.
  auto any = [](const std::vector<boost::json::object>& lines, auto pred) {
    return std::any_of(lines.begin(), lines.end(), pred);
  };
  EXPECT_TRUE(any(log_lines(webhook_log), [](auto& l) { return l.at("verified").as_bool() && l.at("body").at("test").as_bool(); }));
  EXPECT_TRUE(any(log_lines(syslog_log), [](auto& l) { return l.at("valid").as_bool() && l.at("msgid").as_string() == "test"; }));
  EXPECT_TRUE(any(log_lines(smtp_log), [](auto& l) { return l.at("subject").as_string() == "[Telltale] Test alert"; }));
  // Lifting a suppression flagged the helpdesk laptop again after the channels
  // existed: that alert is a real one, and the collector's outbox delivers it
  // to every channel by itself.
  EXPECT_TRUE(eventually(
      [&] {
        return any(log_lines(webhook_log), [](auto& l) { return l.at("verified").as_bool() && !l.at("body").at("test").as_bool(); }) &&
               any(log_lines(syslog_log), [](auto& l) { return l.at("valid").as_bool() && l.at("msgid").as_string() == "verdict"; }) &&
               any(log_lines(smtp_log), [](auto& l) { return l.at("subject").as_string() != "[Telltale] Test alert"; });
      },
      std::chrono::seconds(30)))
      << "webhook: " << log_lines(webhook_log).size() << " syslog: " << log_lines(syslog_log).size()
      << " mail: " << log_lines(smtp_log).size();
  kvm.stop();
  helpdesk.stop();
}

}  // namespace
}  // namespace telltale::testing
