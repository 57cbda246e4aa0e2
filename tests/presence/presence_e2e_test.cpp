// Presence checks end to end with real processes: a collector, an enrolled
// agent and telltale-ctl; under Xvfb also the per-user helper, whose window
// is answered through XTEST (xdotool) and must be classified as injected,
// since no kernel input device pressed a key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "integration/agent_process.h"

namespace telltale::testing {
namespace {

namespace fs = std::filesystem;

// A laptop root in the kernel's formats: the pikvm-laptop's input devices,
// the built-in keyboard's event node as an (empty) recording, and one
// logind session of the test's own user.
struct LaptopRoot {
  TempDir dir;
  explicit LaptopRoot(const std::string& session_type) {
    fs::create_directories(dir.path() / "proc/bus/input");
    fs::copy_file(fixture("pikvm-laptop") / "proc/bus/input/devices", dir.path() / "proc/bus/input/devices");
    fs::create_directories(dir.path() / "dev/input");
    std::ofstream(dir.path() / "dev/input/event2").flush();
    fs::create_directories(dir.path() / "run/systemd/sessions");
    std::ofstream(dir.path() / "run/systemd/sessions/c1")
        << "# This is private data. Do not parse.\nUID=" << ::getuid() << "\nUSER=tester\nACTIVE=1\nTYPE="
        << session_type << "\nREMOTE=0\nCLASS=user\n";
  }
};

std::string check_id_of(const RunResult& r) {
  std::smatch m;
  static const std::regex re("presence check (pc-[0-9a-f]+) queued");
  return std::regex_search(r.out, m, re) ? m[1].str() : "";
}

// `presence show --format csv` as field → value.
std::map<std::string, std::string> show(CollectorProcess& collector, const std::string& id) {
  auto r = collector.ctl({"--format", "csv", "presence", "show", id});
  std::map<std::string, std::string> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    std::string value = line.substr(comma + 1);
    if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
    out[line.substr(0, comma)] = value;
  }
  return out;
}

bool answered(CollectorProcess& collector, const std::string& id) { return show(collector, id)["status"] == "answered"; }

TEST(PresenceCheck, LaptopWithoutSessionHelper_AnswersNoSessionSignedAndStored) {
  CollectorProcess collector({"--presence-poll-ms", "200"});
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  LaptopRoot root("x11");
  agent.start(root.dir.path());
  auto started = collector.ctl({"presence", "start", agent.device_id(), "--action", "key", "--reason", "quarterly check"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const auto id = check_id_of(started);
  ASSERT_FALSE(id.empty()) << started.out;
  ASSERT_TRUE(eventually([&] { return answered(collector, id); }, std::chrono::seconds(60)))
      << agent.process().log_text() << collector.process().log_text();
  auto result = show(collector, id);
  EXPECT_EQ(result["outcome"], "no_session");
  EXPECT_EQ(result["signature"], "valid (device key)");
  EXPECT_EQ(result["reason"], "quarterly check");
  EXPECT_EQ(result["result"], "no graphical session with the presence helper to ask");

  // One check per device per 10 minutes: the second is refused and says why.
  auto again = collector.ctl({"presence", "start", agent.device_id(), "--action", "lid"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("rate limit"), std::string::npos) << again.err;
  auto list = collector.ctl({"--format", "csv", "presence", "list"});
  EXPECT_NE(list.out.find(id), std::string::npos) << list.out;
}

// An investigator asks a suspected group at once: one check per laptop in
// one round; a refusal names its laptop and leaves the others queued.
TEST(PresenceCheck, SeveralLaptopsStartedTogether_AreQueuedAsOneRound_RefusalsNamed) {
  CollectorProcess collector({"--presence-poll-ms", "200"});
  AgentProcess a, b;
  ASSERT_EQ(a.enroll(collector.token()).exit_code, 0);
  ASSERT_EQ(b.enroll(collector.token()).exit_code, 0);
  auto started = collector.ctl({"presence", "start", a.device_id(), b.device_id(), "--action", "reaction"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  EXPECT_NE(started.out.find("queued for " + a.device_id() + " (reaction)"), std::string::npos) << started.out;
  EXPECT_NE(started.out.find("queued for " + b.device_id() + " (reaction)"), std::string::npos) << started.out;
  auto list = collector.ctl({"--format", "csv", "presence", "list"});
  EXPECT_NE(list.out.find(a.device_id()), std::string::npos) << list.out;
  EXPECT_NE(list.out.find(b.device_id()), std::string::npos) << list.out;

  auto again = collector.ctl({"presence", "start", a.device_id(), b.device_id(), "--action", "reaction"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("presence check for " + a.device_id() + " refused"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("presence check for " + b.device_id() + " refused"), std::string::npos) << again.err;

  auto missing = collector.ctl({"presence", "start", "--cluster", "shared_gateway_mac:00:00:5e:00:53:01"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no cluster shared_gateway_mac:00:00:5e:00:53:01"), std::string::npos) << missing.err;
}

// Routine checks are configured on the collector; a schedule that cannot be
// meant stops the start with the option and the rule.
TEST(PresenceCheck, RoutineScheduleThatCannotBeMeant_StopsTheCollectorNamingTheOption) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--presence-working-hours", "17-9"}, "--presence-working-hours \"17-9\": expected START-END"},
      {{"--presence-working-days", "1-8"}, "--presence-working-days \"1-8\": expected FIRST-LAST ISO weekdays"},
      {{"--presence-schedule-per-week", "-1"}, "--presence-schedule-per-week -1.000000 is not 0-100"},
      {{"--presence-schedule-action", "dance"}, "--presence-schedule-action \"dance\" is not one of lid, key, reaction"},
  };
  for (const auto& [flags, message] : cases) {
    TempDir data;
    std::vector<std::string> argv = {binary("telltale-collector").string(), "--data-dir", data.path().string(),
                                     "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto r = run(argv);
    EXPECT_EQ(r.exit_code, 2) << flags[0];
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
}

// The helper runs as the user, who can stop it: with the socket up and an
// active graphical session but no helper, the check is unanswered (weighed),
// not "no session" (ignored).
TEST(PresenceCheck, HelperStoppedInAnActiveGraphicalSession_IsUnansweredNotNoSession) {
  CollectorProcess collector({"--presence-poll-ms", "200"});
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  LaptopRoot root("x11");
  TempDir run;
  agent.start(root.dir.path(), {"--presence-socket", (run.path() / "presence.sock").string()});
  auto started = collector.ctl({"presence", "start", agent.device_id(), "--action", "key"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const auto id = check_id_of(started);
  ASSERT_TRUE(eventually([&] { return answered(collector, id); }, std::chrono::seconds(60)))
      << agent.process().log_text() << collector.process().log_text();
  auto result = show(collector, id);
  EXPECT_EQ(result["outcome"], "no_answer");
  EXPECT_NE(result["result"].find("has no presence helper running"), std::string::npos) << result["result"];
}

TEST(PresenceCheck, CheckQueuedWhileOffline_IsDeliveredWhenTheAgentConnects) {
  CollectorProcess collector({"--presence-poll-ms", "200"});
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  auto started = collector.ctl({"presence", "start", agent.device_id(), "--action", "reaction"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const auto id = check_id_of(started);
  EXPECT_EQ(show(collector, id)["status"], "queued");
  LaptopRoot root("x11");
  agent.start(root.dir.path());
  ASSERT_TRUE(eventually([&] { return answered(collector, id); }, std::chrono::seconds(60)))
      << agent.process().log_text();
}

TEST(PresenceCheck, StartedFromTheConsoleDevicePage_CompletesWithItsResultThereAndInTheAudit) {
  CollectorProcess collector({"--presence-poll-ms", "200", "--console", "127.0.0.1:0"});
  const std::string port = collector.console_port();
  ASSERT_FALSE(port.empty()) << collector.process().log_text();
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  LaptopRoot root("wayland");
  agent.start(root.dir.path());
  TempDir web;
  const std::string base = "https://127.0.0.1:" + port, jar = (web.path() / "cookies").string();
  std::ifstream pw_file(collector.data_dir() / "console-admin-password");
  std::string one_time;
  std::getline(pw_file, one_time);
  auto curl = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-sk", "-b", jar, "-c", jar, "-H", "Content-Type: application/json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv).out;
  };
  auto login = [&](const std::string& password) {
    std::smatch m;
    auto out = curl({"-d", R"({"username":"admin","password":")" + password + R"("})", base + "/api/v1/login"});
    return std::regex_search(out, m, std::regex(R"re("csrf":"([^"]+)")re")) ? m[1].str() : "";
  };
  auto csrf = login(one_time);
  ASSERT_FALSE(csrf.empty());
  curl({"-H", "X-CSRF-Token: " + csrf, "-d",
        R"({"old_password":")" + one_time + R"(","new_password":"a long new passphrase"})", base + "/api/v1/password"});
  csrf = login("a long new passphrase");
  ASSERT_FALSE(csrf.empty());
  const std::string url = base + "/api/v1/devices/" + agent.device_id() + "/presence";
  auto started = curl({"-H", "X-CSRF-Token: " + csrf, "-d", R"({"action":"reaction","reason":"console test"})", url});
  ASSERT_NE(started.find("\"status\":\"queued\""), std::string::npos) << started;
  ASSERT_TRUE(eventually([&] { return curl({url}).find("\"status\":\"answered\"") != std::string::npos; },
                         std::chrono::seconds(60)))
      << curl({url}) << agent.process().log_text();
  EXPECT_NE(curl({url}).find("no graphical session with the presence helper to ask"), std::string::npos);
  // A second one at once is refused with the rate limit, not queued.
  auto again = curl({"-H", "X-CSRF-Token: " + csrf, "-d", R"({"action":"key"})", url});
  EXPECT_NE(again.find("rate limit"), std::string::npos) << again;
  EXPECT_NE(curl({base + "/api/v1/audit"}).find("presence.start"), std::string::npos);
}

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

std::string run_out(const std::vector<std::string>& argv, const std::string& display) {
  return run(argv, std::chrono::seconds(20), {"DISPLAY=" + display}).out;
}

TEST(PresenceCheck, AnswerTypedThroughXtestUnderXvfb_IsClassifiedInjectedNotBuiltIn) {
  const fs::path helper = fs::path(TELLTALE_BINARY_DIR) / "agent/telltale-presence-helper";
  if (!have("Xvfb") || !have("xdotool") || !fs::exists(helper)) GTEST_SKIP() << "needs Xvfb, xdotool and the X11 helper";
  TempDir x;
  const std::string display = ":" + std::to_string(70 + ::getpid() % 200);
  Process xvfb({"/usr/bin/Xvfb", display, "-screen", "0", "800x600x24", "-nolisten", "tcp"}, x.path() / "xvfb.log");
  ASSERT_TRUE(eventually([&] { return run({"/usr/bin/xdotool", "getdisplaygeometry"}, std::chrono::seconds(5),
                                          {"DISPLAY=" + display}).exit_code == 0; },
                         std::chrono::seconds(20)))
      << xvfb.log_text();

  CollectorProcess collector({"--presence-poll-ms", "200"});
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  LaptopRoot root("x11");
  const auto socket = x.path() / "presence.sock";
  agent.start(root.dir.path(), {"--presence-socket", socket.string()});
  Process session_helper({helper.string(), socket.string()}, x.path() / "helper.log", {"DISPLAY=" + display});
  ASSERT_TRUE(eventually([&] { return agent.process().log_text().find("event=presence_helper_connected") != std::string::npos; },
                         std::chrono::seconds(30)))
      << agent.process().log_text() << session_helper.log_text();

  auto started = collector.ctl({"presence", "start", agent.device_id(), "--action", "key", "--reason", "XTEST answer"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const auto id = check_id_of(started);
  std::string window;
  ASSERT_TRUE(eventually([&] {
    window = run_out({"/usr/bin/xdotool", "search", "--name", "Telltale presence check"}, display);
    return !window.empty();
  }, std::chrono::seconds(30))) << session_helper.log_text() << agent.process().log_text();
  window = window.substr(0, window.find('\n'));
  // The prompt as the employee sees it: a test artefact.
  const fs::path artefacts = fs::path(TELLTALE_BINARY_DIR) / "test-artefacts";
  fs::create_directories(artefacts);
  run({"/usr/bin/xwd", "-root", "-display", display, "-silent", "-out", (artefacts / "presence-prompt.xwd").string()});
  EXPECT_GT(fs::file_size(artefacts / "presence-prompt.xwd"), 100000u);
  // XTEST: focus the window, then a key press the X server synthesises.
  run({"/usr/bin/xdotool", "windowfocus", "--sync", window}, std::chrono::seconds(10), {"DISPLAY=" + display});
  run({"/usr/bin/xdotool", "key", "space"}, std::chrono::seconds(10), {"DISPLAY=" + display});
  ASSERT_TRUE(eventually([&] { return answered(collector, id); }, std::chrono::seconds(60)))
      << agent.process().log_text() << session_helper.log_text();
  auto result = show(collector, id);
  EXPECT_EQ(result["outcome"], "answered");
  EXPECT_EQ(result["device_class"], "injected");
  EXPECT_NE(result["result"].find("injected input (XTEST or synthetic"), std::string::npos) << result["result"];
  EXPECT_EQ(result["signature"], "valid (device key)");
  EXPECT_NE(result["observation"].find("x11"), std::string::npos) << result["observation"];
}

}  // namespace
}  // namespace telltale::testing
