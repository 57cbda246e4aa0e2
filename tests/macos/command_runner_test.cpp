// The runner every macOS probe goes through: no shell, a time limit, an
// output cap, and a clear error for a tool that is missing or misbehaves.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>

#include "macos/mac_test_support.h"
#include "platform/macos/command_runner.h"
#include "platform/macos/tool_output.h"

namespace telltale::platform::macos_probe {
namespace {

using telltale::macos_testing::write_script;
using telltale::testing::TempDir;

SpawnRunner runner_in(const std::filesystem::path& dir, std::chrono::milliseconds timeout = std::chrono::seconds(20),
                      size_t cap = 1024 * 1024) {
  SpawnOptions o;
  o.tool_dir = dir;
  o.timeout = timeout;
  o.max_output_bytes = cap;
  return SpawnRunner(o);
}

std::string error_of(SpawnRunner& r, const std::vector<std::string>& argv) {
  try {
    r.run(argv);
  } catch (const CommandError& e) {
    return e.what();
  }
  return "";
}

TEST(CommandRunner, ToolThatHangs_IsKilledAtTheTimeLimit_LongBeforeItWouldFinish) {
  TempDir tmp;
  const auto pid_file = tmp.path() / "pid";
  // exec: the sleeping process is the runner's own child, so its pid tells whether it was killed.
  write_script(tmp.path() / "ioreg", "echo $$ > '" + pid_file.string() + "'\nexec sleep 60");
  // 2 s: long enough for a loaded CI machine to start the script and write its pid.
  auto r = runner_in(tmp.path(), std::chrono::milliseconds(2000));
  const auto start = std::chrono::steady_clock::now();
  const std::string err = error_of(r, {"ioreg", "-a"});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(err.find("ioreg -a: no answer within 2000 ms"), std::string::npos) << err;
  EXPECT_LT(took, std::chrono::seconds(60)) << "the runner waited for the tool instead of its limit";
  long pid = 0;
  std::ifstream(pid_file) >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_NE(::kill(static_cast<pid_t>(pid), 0), 0) << "the hung tool still runs";
}

TEST(CommandRunner, ToolThatClosesItsOutputButNeverExits_StillHitsTheTimeLimit) {
  TempDir tmp;
  write_script(tmp.path() / "launchctl", "exec >/dev/null 2>&1\nexec sleep 60");
  auto r = runner_in(tmp.path(), std::chrono::milliseconds(300));
  const std::string err = error_of(r, {"launchctl", "print", "system/com.apple.screensharing"});
  EXPECT_NE(err.find("within 300 ms"), std::string::npos) << err;
}

TEST(CommandRunner, ToolThatFloodsItsOutput_IsCutAtTheSizeCap_WithAnError) {
  TempDir tmp;
  write_script(tmp.path() / "ioreg", "exec yes ioreg");
  auto r = runner_in(tmp.path(), std::chrono::seconds(20), 256 * 1024);
  const std::string err = error_of(r, {"ioreg", "-l"});
  EXPECT_NE(err.find("output larger than 262144 bytes"), std::string::npos) << err;
}

TEST(CommandRunner, MissingTool_IsAnErrorNamingItsPath) {
  TempDir tmp;
  auto r = runner_in(tmp.path());
  const std::string err = error_of(r, {"system_profiler", "-json", "SPHardwareDataType"});
  EXPECT_NE(err.find((tmp.path() / "system_profiler").string() + " not executable"), std::string::npos) << err;
}

TEST(CommandRunner, ToolNamesWithAPath_AreRefused) {
  TempDir tmp;
  auto r = runner_in(tmp.path());
  EXPECT_NE(error_of(r, {"/bin/sh", "-c", "true"}).find("expected a bare tool name"), std::string::npos);
  EXPECT_NE(error_of(r, {}).find("expected a bare tool name"), std::string::npos);
}

TEST(CommandRunner, ArgumentsReachTheToolVerbatim_NoShellExpandsThem) {
  TempDir tmp;
  write_script(tmp.path() / "arp", "for a in \"$@\"; do printf '%s\\n' \"$a\"; done");
  auto r = runner_in(tmp.path());
  const std::string marker = (tmp.path() / "injected").string();
  auto out = r.run({"arp", "-an", "$(touch " + marker + ")", "*", "a b"});
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.output, "-an\n$(touch " + marker + ")\n*\na b\n");
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(CommandRunner, ToolsRunInTheCLocaleWithSystemPath_NothingInheritedFromTheAgent) {
  TempDir tmp;
  write_script(tmp.path() / "system_profiler", "env | sort");
  ::setenv("TELLTALE_MARKER_FOR_RUNNER_TEST", "leaked", 1);
  ::setenv("LC_ALL", "ko_KR.UTF-8", 1);
  auto r = runner_in(tmp.path());
  auto out = r.run({"system_profiler", "-json", "SPHardwareDataType"});
  ::unsetenv("TELLTALE_MARKER_FOR_RUNNER_TEST");
  ::unsetenv("LC_ALL");
  EXPECT_NE(out.output.find("LC_ALL=C\n"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("PATH=/usr/bin:/bin:/usr/sbin:/sbin\n"), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find("TELLTALE_MARKER_FOR_RUNNER_TEST"), std::string::npos) << out.output;
}

TEST(CommandRunner, NonZeroExit_IsReturnedWithItsErrorOutput_NotThrown) {
  TempDir tmp;
  write_script(tmp.path() / "launchctl", "echo 'Could not find service' >&2\nexit 113");
  auto r = runner_in(tmp.path());
  auto out = r.run({"launchctl", "print", "system/x"});
  EXPECT_EQ(out.exit_code, 113);
  EXPECT_EQ(out.error_output, "Could not find service\n");
}

TEST(CommandRunner, ToolKilledBySignal_IsAnError) {
  TempDir tmp;
  write_script(tmp.path() / "route", "kill -SEGV $$");
  auto r = runner_in(tmp.path());
  EXPECT_NE(error_of(r, {"route", "-n", "get", "default"}).find("killed by signal 11"), std::string::npos);
}

TEST(MacProbes, MacWithoutItsSystemTools_ReportsEveryMissingTool_AndStillReadsItsFiles) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path() / "empty-bin");
  const auto fixture = telltale::macos_testing::fixtures() / "clean-macbook";
  auto system = telltale::macos_testing::replay_system(tmp.path() / "empty-bin", fixture);
  ProbeContext ctx;
  ctx.root = fixture / "root";
  telltale::v1::Snapshot snap;
  for (auto& p : make_all(system)) p->collect(ctx, snap);
  std::set<std::string> failed;
  for (const auto& e : snap.errors())
    if (e.message().find("not executable") != std::string::npos) failed.insert(e.path().substr(0, e.path().find(' ')));
  EXPECT_EQ(failed, (std::set<std::string>{"ioreg", "system_profiler", "launchctl", "route"}));
  EXPECT_EQ(snap.time().iana_zone(), "America/New_York");
  ASSERT_EQ(snap.keyboard().users_size(), 1);
  EXPECT_TRUE(snap.usb_devices().empty());
}

TEST(MacProbes, ToolAnsweringGarbage_IsAProbeErrorNamingTheCommand) {
  TempDir tmp;
  write_script(tmp.path() / "ioreg", "echo '<plist><dict><key>unterminated'");
  auto r = runner_in(tmp.path());
  telltale::v1::Snapshot snap;
  auto v = run_plist(r, {"ioreg", "-a", "-l", "-r", "-c", "IOUSBHostDevice"}, "usb", snap);
  EXPECT_FALSE(v.has_value());
  ASSERT_EQ(snap.errors_size(), 1);
  EXPECT_EQ(snap.errors(0).path(), "ioreg -a -l -r -c IOUSBHostDevice");
  EXPECT_NE(snap.errors(0).message().find("not an XML or binary property list"), std::string::npos);
}

}  // namespace
}  // namespace telltale::platform::macos_probe
