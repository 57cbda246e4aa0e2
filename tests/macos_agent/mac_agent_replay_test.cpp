// The agent as a Mac, end to end on loopback: mac_replay_agent is
// telltale-agent's command line with the Mac host over a MacBook's replayed
// captures. It enrolls with a real collector (platform "macos", the
// MacBook's serial as identity), checks in with `run --once`, and the
// collector's verdict and `telltale-ctl evaluate` of its offline scan agree
// with what the fixture shows.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <regex>

#include "integration/harness.h"
#include "server/store/sqlite_store.h"

namespace telltale::testing {
namespace {

std::filesystem::path mac_fixture(const std::string& name) { return fixture("macos") / name; }

std::filesystem::path replay_agent() { return std::filesystem::path(TELLTALE_BINARY_DIR) / "tests/tools/mac_replay_agent"; }

class MacAgent {
 public:
  explicit MacAgent(std::string fixture) : fixture_(std::move(fixture)) {}

  RunResult enroll(const std::string& token) {
    return agent({"enroll", "--token", token, "--state-dir", state_.path().string(), "--timeout", "20"});
  }
  RunResult run_once(std::vector<std::string> env = {}) {
    return agent({"run", "--once", "--once-timeout", "60", "--state-dir", state_.path().string(), "--backoff-max-ms",
                  "300"},
                 std::chrono::seconds(120), std::move(env));
  }
  // `run` as launchd starts it: in the foreground, until SIGTERM.
  std::unique_ptr<Process> start_daemon() {
    return std::make_unique<Process>(
        std::vector<std::string>{replay_agent().string(), mac_fixture(fixture_).string(), "run", "--state-dir",
                                 state_.path().string(), "--collect-interval", "1", "--heartbeat-interval", "1",
                                 "--hotplug-rescan-ms", "200", "--log-level", "debug"},
        state_.path() / "daemon.log");
  }
  RunResult scan_offline_json() { return agent({"scan", "--offline", "--format", "json", "--log-level", "error"}); }

  std::string device_id() const {
    std::ifstream in(state_.path() / "identity.toml");
    std::string line;
    std::regex re("device_id = '?\"?([^'\"]+)");
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_search(line, m, re)) return m[1];
    return "";
  }

 private:
  RunResult agent(std::vector<std::string> args, std::chrono::seconds timeout = std::chrono::seconds(60),
                  std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {replay_agent().string(), mac_fixture(fixture_).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, timeout, env);
  }
  std::string fixture_;
  TempDir state_;
};

// The snapshot the collector stored last for a device.
std::optional<telltale::v1::Snapshot> last_snapshot(const std::filesystem::path& data_dir, const std::string& device) {
  server::SqliteStore store(data_dir / "telltale.db");
  auto reports = store.reports(device, 1000);
  if (reports.empty()) return std::nullopt;
  uint64_t seq = 0;
  for (const auto& r : reports) seq = std::max(seq, r.seq);
  return store.snapshot_at(device, seq);
}

TEST(MacAgentReplay, CleanMacBook_EnrollsAsMacosWithItsSerial_AndItsCheckInIsClean) {
  CollectorProcess collector;
  MacAgent mac("clean-macbook");
  auto enrolled = mac.enroll(collector.token());
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err << collector.process().log_text();
  const auto id = mac.device_id();
  ASSERT_FALSE(id.empty());
  {
    server::SqliteStore store(collector.data_dir() / "telltale.db");
    auto device = store.device(id);
    ASSERT_TRUE(device);
    EXPECT_EQ(device->platform, "macos");
    EXPECT_EQ(device->serial, "C02TT0FIXTUR") << "system_profiler's serial is the enrollment identity";
    EXPECT_NE(device->identity_json.find("MacBookPro14,1"), std::string::npos) << device->identity_json;
    EXPECT_NE(device->identity_json.find("Apple Inc."), std::string::npos) << device->identity_json;
  }

  auto once = mac.run_once();
  ASSERT_EQ(once.exit_code, 0) << once.err << collector.process().log_text();
  auto snap = last_snapshot(collector.data_dir(), id);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->platform(), "macos");
  EXPECT_EQ(snap->hardware().product_serial(), "C02TT0FIXTUR");
  ASSERT_EQ(snap->displays_size(), 1);
  EXPECT_EQ(snap->displays(0).edid().monitor_name(), "Color LCD");
  ASSERT_EQ(snap->usb_devices_size(), 1);
  EXPECT_EQ(snap->usb_devices(0).vendor_id(), 0x046Du);
  EXPECT_EQ(snap->time().iana_zone(), "America/New_York");
  // Input timing on a Mac is reported as not collected, never as silence.
  bool timing_not_collected = false;
  for (const auto& e : snap->errors())
    timing_not_collected |= e.probe() == "input_timing" && e.message().find("not collected") != std::string::npos;
  EXPECT_TRUE(timing_not_collected);
  ASSERT_TRUE(eventually([&] { return !collector.verdict_of(id).empty(); }, std::chrono::seconds(20)));
  EXPECT_EQ(collector.verdict_of(id), "clean");
}

// An MDM profile's settings payload as macOS writes it to
// /Library/Managed Preferences/com.telltale.agent.plist.
void write_managed_preferences(const std::filesystem::path& path, const std::string& members) {
  std::ofstream(path) << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                         "<plist version=\"1.0\"><dict>"
                      << members << "</dict></plist>\n";
}

TEST(MacAgentReplay, ProfileSettingsWithAToken_EnrollTheMacOnItsFirstRun_WithoutAnyFlag) {
  CollectorProcess collector;
  TempDir profile;
  const auto prefs = profile.path() / "com.telltale.agent.plist";
  write_managed_preferences(prefs, "<key>PayloadUUID</key><string>0D383011-6689-40A7-AD8F-4A9A0ACB5881</string>"
                                   "<key>token</key><string>" + collector.token() + "</string>"
                                   "<key>heartbeat-interval</key><integer>30</integer>"
                                   "<key>log-level</key><string>debug</string>");
  MacAgent mac("pikvm-macbook");
  auto once = mac.run_once({"TELLTALE_TEST_MANAGED_PREFERENCES=" + prefs.string()});
  ASSERT_EQ(once.exit_code, 0) << once.err << collector.process().log_text();
  const auto id = mac.device_id();
  ASSERT_FALSE(id.empty()) << "zero-touch enrollment from the profile's token";
  server::SqliteStore store(collector.data_dir() / "telltale.db");
  auto device = store.device(id);
  ASSERT_TRUE(device);
  EXPECT_EQ(device->platform, "macos");
  ASSERT_TRUE(eventually([&] { return !collector.verdict_of(id).empty(); }, std::chrono::seconds(20)));
  EXPECT_EQ(collector.verdict_of(id), "puppeteered");
}

TEST(MacAgentReplay, ProfileSettingOfAnUnusableType_StopsTheAgentNamingTheKeyAndFile) {
  TempDir profile;
  const auto prefs = profile.path() / "com.telltale.agent.plist";
  write_managed_preferences(prefs, "<key>collect-interval</key><real>1.5</real>");
  MacAgent mac("clean-macbook");
  auto once = mac.run_once({"TELLTALE_TEST_MANAGED_PREFERENCES=" + prefs.string()});
  EXPECT_EQ(once.exit_code, 2) << once.err;
  EXPECT_NE(once.err.find("collect-interval"), std::string::npos) << once.err;
  EXPECT_NE(once.err.find(prefs.string()), std::string::npos) << once.err;
}

TEST(MacAgentReplay, DaemonAsLaunchdRunsIt_StreamsUntilSigtermAndExitsZero) {
  CollectorProcess collector;
  MacAgent mac("korean-2set-macbook");
  ASSERT_EQ(mac.enroll(collector.token()).exit_code, 0);
  auto daemon = mac.start_daemon();
  const auto id = mac.device_id();
  server::SqliteStore store(collector.data_dir() / "telltale.db");
  ASSERT_TRUE(eventually([&] { return store.reports(id, 10).size() >= 2; }, std::chrono::seconds(60)))
      << daemon->log_text() << collector.process().log_text();
  daemon->signal(SIGTERM);
  // KeepAlive.SuccessfulExit=false: launchd restarts only a failed agent, so a stop must exit 0.
  EXPECT_EQ(daemon->wait(std::chrono::seconds(30)), 0) << daemon->log_text();
  auto snap = last_snapshot(collector.data_dir(), id);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->platform(), "macos");
  ASSERT_EQ(snap->keyboard().users_size(), 1);
  EXPECT_EQ(snap->keyboard().users(0).user(), "alex");
}

struct Expected {
  const char* fixture;
  const char* level;
  std::vector<std::string> indicators;
};

TEST(MacAgentReplay, EachMacFixture_CheckedInByTheAgent_GetsItsVerdictFromTheCollectorAndTelltaleCtl) {
  const std::vector<Expected> cases = {
      {"clean-macbook", "clean", {}},
      {"pikvm-macbook", "puppeteered", {"usb.pikvm_otg", "edid.pikvm_v3"}},
      // The USB strings are Logitech's: structure and the capture EDID give it away.
      {"jetkvm-logitech-clone-macbook", "puppeteered", {"edid.jetkvm", "usb.keyboard_with_absolute_pointer"}},
      // Without the peer RTT (not readable on macOS) a session stays at review.
      {"anydesk-screensharing-macbook", "review", {"remote.anydesk", "remote.apple_screen_sharing"}},
      {"korean-2set-macbook", "clean", {"ime.korean"}},
  };
  CollectorProcess collector;
  const auto token = collector.token(static_cast<int>(cases.size()));
  TempDir scans;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fixture);
    MacAgent mac(c.fixture);
    auto enrolled = mac.enroll(token);
    ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
    auto once = mac.run_once();
    ASSERT_EQ(once.exit_code, 0) << once.err;
    const auto id = mac.device_id();
    ASSERT_TRUE(eventually([&] { return !collector.verdict_of(id).empty(); }, std::chrono::seconds(20)));
    EXPECT_EQ(collector.verdict_of(id), c.level);

    auto scan = mac.scan_offline_json();
    ASSERT_EQ(scan.exit_code, 0) << scan.err;
    const auto json = scans.path() / (std::string(c.fixture) + ".json");
    std::ofstream(json) << scan.out;
    auto verdict = run({binary("telltale-ctl").string(), "--data-dir", (scans.path() / "ctl").string(), "--format", "json",
                        "evaluate", json.string(), "--device", c.fixture});
    ASSERT_EQ(verdict.exit_code, 0) << verdict.err;
    EXPECT_NE(verdict.out.find(std::string("\"verdict\":\"") + c.level + "\""), std::string::npos) << verdict.out;
    for (const auto& ind : c.indicators)
      EXPECT_NE(verdict.out.find("\"" + ind + "\""), std::string::npos) << "missing " << ind << "\n" << verdict.out;
  }
}

}  // namespace
}  // namespace telltale::testing
