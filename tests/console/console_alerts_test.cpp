// The alert feed and its delivery, against real receivers on loopback that
// the tests start (tests/console/receivers/): a webhook receiver that checks
// the HMAC, syslog receivers (UDP, and TCP with octet counting) that parse
// RFC 5424, and an SMTP sink (python3-aiosmtpd), plain and STARTTLS. Passes
// of the outbox run with an explicit clock, so retries need no sleeps.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <tuple>

#include "server/console/alert_db.h"
#include "server/console/alert_dispatcher.h"
#include "server/detect/engine.h"
#include "tests/console/console_fixture.h"
#include "tests/console/receiver_process.h"

namespace {
using namespace telltale::console_test;
namespace console = telltale::server::console;

std::string verdict_json(const std::string& level, double score,
                         const std::vector<std::tuple<std::string, std::string, std::string>>& indicators) {
  telltale::v1::Verdict v;
  v.set_level(level);
  v.set_score(score);
  for (auto& [id, title, severity] : indicators) {
    auto* i = v.add_indicators();
    i->set_id(id);
    i->set_title(title);
    i->set_severity(severity);
    i->set_score(score / indicators.size());
  }
  return telltale::detect::to_json(v);
}

class AlertTest : public ConsoleTest {
 protected:
  void configure(console::ConsoleConfig& c) override {
    c.alert_interval = std::chrono::milliseconds(0);  // the test runs the passes, on its own clock
    c.alert_delivery = options_;
  }
  void SetUp() override {
    ConsoleTest::SetUp();
    alerts_ = std::make_unique<console::AlertDb>(dir_ / "console.db");
    dispatcher_ = std::make_unique<console::AlertDispatcher>(*alerts_, *store_, options_);
    // The fixture's laptop already has a verdict: its alert is raised before
    // any channel exists, so the channels below get only what each test raises.
    dispatcher_->run_once(3000);
  }
  void TearDown() override {
    dispatcher_.reset();
    alerts_.reset();
    ConsoleTest::TearDown();
  }
  // laptop-17 (dev-farm-1) turns puppeteered because of a PiKVM.
  void kvm_plugged(int64_t at) {
    store_->save_verdict({"dev-farm-1", at, "puppeteered", 587.5,
                          verdict_json("puppeteered", 587.5,
                                       {{"usb.pikvm_otg", "PiKVM OTG composite gadget on USB 1-3", "critical"}})});
  }
  int64_t create_channel(const Session& a, const json::object& body, std::string* secret = nullptr) {
    auto r = post(a, "/api/v1/alert-channels", json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    auto o = r.json().as_object();
    if (secret) *secret = o.contains("secret") ? std::string(o.at("secret").as_string()) : "";
    return o.at("id").as_int64();
  }
  // Waits for a receiver that learns of a message after the sender returned
  // (UDP, TCP syslog) to log `n` lines; bounded so a lost message fails.
  std::vector<json::object> wait_lines(const std::filesystem::path& log, size_t n) {
    for (int i = 0; i < 200; ++i) {
      auto lines = log_lines(log);
      if (lines.size() >= n) return lines;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return log_lines(log);
  }

  console::AlertDispatchOptions options_{1000, 8000, 3, std::chrono::milliseconds(5000)};
  std::unique_ptr<console::AlertDb> alerts_;
  std::unique_ptr<console::AlertDispatcher> dispatcher_;
};

TEST_F(AlertTest, LaptopTurnsPuppeteeredThenClean_FeedHasBothChangesWithWhy_AndTriageMovesForwardOnly) {
  auto a = admin();
  auto inv = user_with_role(a, "ivan", "investigator");
  auto viewer = user_with_role(a, "vera", "viewer");
  kvm_plugged(5000);
  store_->save_verdict({"dev-farm-1", 9000, "clean", 0, verdict_json("clean", 0, {})});

  auto feed = get(viewer, "/api/v1/alerts");
  ASSERT_EQ(feed.status, 200) << feed.body;
  auto list = feed.json().at("alerts").as_array();
  // The fixture's first (hand-written) verdict, the PiKVM one, the return to clean.
  ASSERT_EQ(list.size(), 3u) << feed.body;
  auto clean = list[0].as_object(), kvm = list[1].as_object();
  EXPECT_EQ(clean.at("level").as_string(), "clean");
  EXPECT_EQ(clean.at("previous_level").as_string(), "puppeteered");
  EXPECT_EQ(clean.at("indicators_removed").as_array().at(0).as_string(), "usb.pikvm_otg");
  EXPECT_EQ(kvm.at("hostname").as_string(), "laptop-17");
  EXPECT_EQ(kvm.at("why").as_string(), "PiKVM OTG composite gadget on USB 1-3");
  EXPECT_EQ(kvm.at("severity").as_string(), "critical");
  EXPECT_EQ(kvm.at("score_text").as_string(), "587.5");
  EXPECT_EQ(kvm.at("raised_utc").as_string(), "1970-01-01T00:00:05Z");
  EXPECT_EQ(kvm.at("state").as_string(), "new");
  EXPECT_EQ(feed.json().at("counts").at("new").as_int64(), 3);

  // Reading again raises nothing twice.
  EXPECT_EQ(get(viewer, "/api/v1/alerts").json().at("alerts").as_array().size(), 3u);
  EXPECT_EQ(get(viewer, "/api/v1/alerts?since=9000").json().at("alerts").as_array().size(), 1u);
  EXPECT_EQ(get(viewer, "/api/v1/alerts?since=1970-01-01T00:00:06Z").json().at("alerts").as_array().size(), 1u);
  EXPECT_EQ(get(viewer, "/api/v1/alerts?since=yesterday").status, 400);
  EXPECT_EQ(get(viewer, "/api/v1/alerts?state=open").status, 400);

  const std::string id = std::to_string(kvm.at("id").as_int64());
  EXPECT_EQ(post(viewer, "/api/v1/alerts/" + id, R"({"state":"acknowledged"})").status, 403);
  auto ack = post(inv, "/api/v1/alerts/" + id, R"({"state":"acknowledged"})");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(ack.json().at("acknowledged_by").as_string(), "ivan");
  EXPECT_GT(ack.json().at("acknowledged_unix_ms").as_int64(), 0);
  EXPECT_EQ(post(inv, "/api/v1/alerts/" + id, R"({"state":"acknowledged"})").status, 409);
  EXPECT_EQ(post(inv, "/api/v1/alerts/" + id, R"({"state":"new"})").status, 400);
  auto resolved = post(a, "/api/v1/alerts/" + id, R"({"state":"resolved"})");
  ASSERT_EQ(resolved.status, 200);
  EXPECT_EQ(resolved.json().at("resolved_by").as_string(), "admin");
  EXPECT_EQ(resolved.json().at("acknowledged_by").as_string(), "ivan");
  EXPECT_EQ(post(inv, "/api/v1/alerts/999999", R"({"state":"resolved"})").status, 404);

  auto only_new = get(viewer, "/api/v1/alerts?state=new").json();
  EXPECT_EQ(only_new.at("alerts").as_array().size(), 2u);
  EXPECT_EQ(only_new.at("counts").at("resolved").as_int64(), 1);
  std::vector<std::string> details;
  for (auto& e : audit_entries(a))
    if (e.at("action").as_string() == "alert.triage") details.emplace_back(e.at("detail").as_string());
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0], "state acknowledged->resolved");
  EXPECT_EQ(details[1], "state new->acknowledged");
}

TEST_F(AlertTest, FirstVerdictClean_RaisesNoAlert) {
  auto a = admin();
  enroll("dev-clean", "laptop-clean", "SNC", 1000);
  store_->save_verdict({"dev-clean", 3000, "clean", 0, verdict_json("clean", 0, {})});
  auto feed = get(a, "/api/v1/alerts").json();
  for (auto& v : feed.at("alerts").as_array()) EXPECT_NE(v.at("device_id").as_string(), "dev-clean");
}

TEST_F(AlertTest, Webhook_IsSignedWithHmacOverTimestampAndBody_SecretShownOnce) {
  auto a = admin();
  const auto secret_file = dir_ / "webhook.secret", log = dir_ / "webhook.log";
  ReceiverProcess receiver("webhook_receiver.py", {"--secret-file", secret_file.string(), "--log", log.string()});
  std::string secret;
  const int64_t channel = create_channel(
      a, {{"name", "SOC webhook"}, {"kind", "webhook"}, {"url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook"}},
      &secret);
  ASSERT_EQ(secret.size(), 64u);
  std::ofstream(secret_file) << secret;
  auto listed = get(a, "/api/v1/alert-channels");
  EXPECT_EQ(listed.body.find(secret), std::string::npos) << "the secret is shown once, never listed";

  kvm_plugged(5000);
  dispatcher_->run_once(10000);
  auto lines = log_lines(log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].at("verified").as_bool()) << json::serialize(lines[0]);
  EXPECT_EQ(lines[0].at("content_type").as_string(), "application/json");
  EXPECT_EQ(lines[0].at("timestamp").as_string(), "10");
  auto& body = lines[0].at("body").as_object();
  EXPECT_EQ(body.at("type").as_string(), "telltale.alert");
  EXPECT_EQ(body.at("hostname").as_string(), "laptop-17");
  EXPECT_EQ(body.at("level").as_string(), "puppeteered");
  EXPECT_EQ(body.at("why").as_string(), "PiKVM OTG composite gadget on USB 1-3");
  EXPECT_FALSE(body.at("test").as_bool());

  // A receiver holding another key refuses: the delivery is not "delivered".
  std::ofstream(secret_file) << "not-the-key";
  auto test = post(a, "/api/v1/alert-channels/" + std::to_string(channel) + "/test", "{}");
  ASSERT_EQ(test.status, 200) << test.body;
  EXPECT_EQ(test.json().at("state").as_string(), "failed");
  EXPECT_NE(test.json().at("last_error").as_string().find("HTTP 401"), std::string::npos) << test.body;
  std::ofstream(secret_file) << secret;
  test = post(a, "/api/v1/alert-channels/" + std::to_string(channel) + "/test", "{}");
  EXPECT_EQ(test.json().at("state").as_string(), "delivered") << test.body;
  lines = log_lines(log);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[2].at("body").at("test").as_bool());
  auto ch = get(a, "/api/v1/alert-channels/" + std::to_string(channel)).json();
  EXPECT_EQ(ch.at("deliveries").at("delivered").as_int64(), 2);
  EXPECT_EQ(ch.at("deliveries").at("failed").as_int64(), 1);
  std::vector<std::string> actions;
  for (auto& e : audit_entries(a)) actions.emplace_back(e.at("action").as_string());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "alert_channel.create"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "alert_channel.test"), actions.end());
}

TEST_F(AlertTest, WebhookReceiverDownWhenRaised_UpLater_DeliveredExactlyOnce) {
  auto a = admin();
  const auto secret_file = dir_ / "webhook.secret", log = dir_ / "webhook.log";
  const int port = free_port();
  std::string secret;
  const int64_t channel = create_channel(
      a, {{"name", "hook"}, {"kind", "webhook"}, {"url", "http://127.0.0.1:" + std::to_string(port) + "/"}}, &secret);
  std::ofstream(secret_file) << secret;
  kvm_plugged(5000);
  EXPECT_EQ(dispatcher_->run_once(10000), 1u);
  auto ch = get(a, "/api/v1/alert-channels/" + std::to_string(channel)).json();
  EXPECT_EQ(ch.at("deliveries").at("pending").as_int64(), 1);
  EXPECT_NE(ch.at("last_error").as_string().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << json::serialize(ch);
  auto recent = ch.at("recent").as_array().at(0).as_object();
  EXPECT_EQ(recent.at("attempts").as_int64(), 1);
  EXPECT_EQ(recent.at("next_attempt_unix_ms").as_int64(), 11000);  // retry_base_ms later

  ReceiverProcess receiver("webhook_receiver.py", {"--port", std::to_string(port), "--secret-file",
                                                   secret_file.string(), "--log", log.string()});
  EXPECT_EQ(dispatcher_->run_once(10500), 0u) << "not due before its backoff";
  EXPECT_EQ(dispatcher_->run_once(11000), 1u);
  EXPECT_EQ(dispatcher_->run_once(60000), 0u);
  EXPECT_EQ(dispatcher_->run_once(600000), 0u);
  auto lines = log_lines(log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].at("verified").as_bool());
  ch = get(a, "/api/v1/alert-channels/" + std::to_string(channel)).json();
  EXPECT_EQ(ch.at("deliveries").at("delivered").as_int64(), 1);
  EXPECT_EQ(ch.at("deliveries").at("pending").as_int64(), 0);
  EXPECT_EQ(ch.at("recent").as_array().at(0).at("attempts").as_int64(), 2);
}

TEST_F(AlertTest, ChannelThatNeverAnswers_EndsFailedWithItsError_NothingDroppedSilently) {
  auto a = admin();
  const int port = free_port();
  const int64_t channel = create_channel(
      a, {{"name", "dead"}, {"kind", "webhook"}, {"url", "http://127.0.0.1:" + std::to_string(port) + "/"}});
  kvm_plugged(5000);
  // Attempts at 10 s, then 1 s and 2 s of backoff: the third failure is the last.
  EXPECT_EQ(dispatcher_->run_once(10000), 1u);
  EXPECT_EQ(dispatcher_->run_once(11000), 1u);
  EXPECT_EQ(dispatcher_->run_once(12999), 0u);
  EXPECT_EQ(dispatcher_->run_once(13000), 1u);
  EXPECT_EQ(dispatcher_->run_once(100000), 0u);
  auto ch = get(a, "/api/v1/alert-channels/" + std::to_string(channel)).json();
  EXPECT_EQ(ch.at("deliveries").at("failed").as_int64(), 1);
  EXPECT_EQ(ch.at("deliveries").at("pending").as_int64(), 0);
  auto d = ch.at("recent").as_array().at(0).as_object();
  EXPECT_EQ(d.at("state").as_string(), "failed");
  EXPECT_EQ(d.at("attempts").as_int64(), 3);
  EXPECT_FALSE(d.at("last_error").as_string().empty());
  EXPECT_FALSE(ch.at("last_error").as_string().empty());
}

TEST_F(AlertTest, ChannelBelowItsMinimumLevel_GetsNothing) {
  auto a = admin();
  const int64_t channel = create_channel(a, {{"name", "pager"}, {"kind", "webhook"}, {"url", "http://127.0.0.1:9/"},
                                             {"min_level", "puppeteered"}});
  store_->save_verdict({"dev-farm-1", 5000, "review", 40, verdict_json("review", 40, {{"remote.anydesk", "AnyDesk installed", "medium"}})});
  dispatcher_->run_once(10000);
  auto ch = get(a, "/api/v1/alert-channels/" + std::to_string(channel)).json();
  EXPECT_EQ(ch.at("recent").as_array().size(), 0u) << json::serialize(ch);
  EXPECT_EQ(post(a, "/api/v1/alert-channels", R"({"name":"x","kind":"webhook","url":"ftp://h/"})").status, 400);
  EXPECT_EQ(post(a, "/api/v1/alert-channels", R"({"name":"x","kind":"pigeon","url":"http://h/"})").status, 400);
  EXPECT_EQ(post(a, "/api/v1/alert-channels", R"({"name":"x","kind":"syslog","url":"tcp://h"})").status, 400);
  EXPECT_EQ(post(a, "/api/v1/alert-channels", R"({"name":"x","kind":"smtp","url":"smtp://h:25","mail_from":"a","mail_to":"b@c"})").status, 400);
  auto inv = user_with_role(a, "ivan", "investigator");
  EXPECT_EQ(get(inv, "/api/v1/alert-channels").status, 403);
}

void expect_rfc5424(const json::object& m) {
  ASSERT_TRUE(m.at("valid").as_bool()) << json::serialize(m);
  EXPECT_EQ(m.at("pri").as_int64(), 16 * 8 + 2);  // local0, critical (puppeteered)
  EXPECT_EQ(m.at("version").as_int64(), 1);
  EXPECT_EQ(m.at("app").as_string(), "telltale");
  EXPECT_EQ(m.at("msgid").as_string(), "verdict");
  EXPECT_EQ(m.at("sd_id").as_string(), "telltale@32473");
  auto& p = m.at("params").as_object();
  EXPECT_EQ(p.at("device_id").as_string(), "dev-farm-1");
  EXPECT_EQ(p.at("hostname").as_string(), "laptop-17");
  EXPECT_EQ(p.at("level").as_string(), "puppeteered");
  EXPECT_EQ(p.at("score").as_string(), "587.5");
  EXPECT_TRUE(m.at("bom").as_bool());
  EXPECT_EQ(m.at("msg").as_string(), "laptop-17 puppeteered: PiKVM OTG composite gadget on USB 1-3");
}

TEST_F(AlertTest, SyslogOverTcpWithOctetCounting_IsValidRfc5424) {
  auto a = admin();
  const auto log = dir_ / "syslog.log";
  ReceiverProcess receiver("syslog_receiver.py", {"--proto", "tcp", "--log", log.string()});
  create_channel(a, {{"name", "siem"}, {"kind", "syslog"}, {"url", "tcp://127.0.0.1:" + std::to_string(receiver.port())}});
  kvm_plugged(5000);
  dispatcher_->run_once(10000);
  auto lines = wait_lines(log, 1);
  ASSERT_EQ(lines.size(), 1u);
  expect_rfc5424(lines[0]);
}

TEST_F(AlertTest, SyslogOverUdp_IsValidRfc5424_AndTestButtonSaysTest) {
  auto a = admin();
  const auto log = dir_ / "syslog.log";
  ReceiverProcess receiver("syslog_receiver.py", {"--proto", "udp", "--log", log.string()});
  const int64_t channel = create_channel(
      a, {{"name", "siem-udp"}, {"kind", "syslog"}, {"url", "udp://127.0.0.1:" + std::to_string(receiver.port())}});
  kvm_plugged(5000);
  dispatcher_->run_once(10000);
  auto lines = wait_lines(log, 1);
  ASSERT_EQ(lines.size(), 1u);
  expect_rfc5424(lines[0]);
  auto test = post(a, "/api/v1/alert-channels/" + std::to_string(channel) + "/test", "{}");
  EXPECT_EQ(test.json().at("state").as_string(), "delivered") << test.body;
  lines = wait_lines(log, 2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[1].at("valid").as_bool());
  EXPECT_EQ(lines[1].at("msgid").as_string(), "test");
}

TEST_F(AlertTest, SmtpPlain_DeliversMailWithHostnameLevelAndWhy) {
  auto a = admin();
  const auto log = dir_ / "smtp.log";
  ReceiverProcess receiver("smtp_receiver.py", {"--log", log.string()});
  create_channel(a, {{"name", "mail"}, {"kind", "smtp"}, {"url", "smtp://127.0.0.1:" + std::to_string(receiver.port())},
                     {"mail_from", "telltale@example.com"}, {"mail_to", "soc@example.com"}});
  kvm_plugged(5000);
  dispatcher_->run_once(10000);
  auto lines = log_lines(log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("mail_from").as_string(), "telltale@example.com");
  EXPECT_EQ(lines[0].at("rcpt_tos").as_array().at(0).as_string(), "soc@example.com");
  EXPECT_FALSE(lines[0].at("tls").as_bool());
  // The fixture's laptop was already puppeteered; the PiKVM verdict changed its evidence.
  EXPECT_EQ(lines[0].at("subject").as_string(), "[Telltale] laptop-17 is still puppeteered (evidence changed)");
  EXPECT_NE(lines[0].at("body").as_string().find("Why:      PiKVM OTG composite gadget on USB 1-3"), std::string::npos);
}

TEST_F(AlertTest, SmtpRequiringStarttls_DeliversOverTls_AndRefusesWithoutTrust) {
  auto a = admin();
  const auto log = dir_ / "smtp.log", cert = dir_ / "smtp.crt", key = dir_ / "smtp.key";
  const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 "
                          "-addext subjectAltName=IP:127.0.0.1 -keyout " + key.string() + " -out " + cert.string() +
                          " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ReceiverProcess receiver("smtp_receiver.py", {"--log", log.string(), "--cert", cert.string(), "--key", key.string()});
  const std::string url = "smtp://127.0.0.1:" + std::to_string(receiver.port());
  const int64_t untrusted = create_channel(a, {{"name", "mail-untrusted"}, {"kind", "smtp"}, {"url", url},
                                               {"mail_from", "telltale@example.com"}, {"mail_to", "soc@example.com"},
                                               {"starttls", true}});
  auto refused = post(a, "/api/v1/alert-channels/" + std::to_string(untrusted) + "/test", "{}");
  EXPECT_EQ(refused.json().at("state").as_string(), "failed") << refused.body;
  const int64_t trusted = create_channel(a, {{"name", "mail-tls"}, {"kind", "smtp"}, {"url", url},
                                             {"mail_from", "telltale@example.com"}, {"mail_to", "soc@example.com"},
                                             {"starttls", true}, {"ca_file", cert.string()}});
  auto ok = post(a, "/api/v1/alert-channels/" + std::to_string(trusted) + "/test", "{}");
  EXPECT_EQ(ok.json().at("state").as_string(), "delivered") << ok.body;
  auto lines = log_lines(log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].at("tls").as_bool());
  EXPECT_EQ(lines[0].at("subject").as_string(), "[Telltale] Test alert");
}

}  // namespace
