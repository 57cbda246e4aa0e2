// The lid action's inhibitor: logind's systemd-inhibit under the capture's
// root. The test root holds a stand-in for that system tool (a shell script
// that records its arguments and runs the command it was given, as the real
// one does), since CI machines have no logind to hold a lock with.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "platform/linux/presence_input.h"
#include "sensor_test_support.h"

namespace {

using sensor_test::TempRoot;
using telltale::platform::linux_probe::LinuxPresenceCapture;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void install_tool(const TempRoot& root, const std::string& body) {
  root.put("usr/bin/systemd-inhibit", "#!/bin/sh\n" + body);
  std::filesystem::permissions(root.path / "usr/bin/systemd-inhibit", std::filesystem::perms::owner_all);
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

template <typename F>
bool eventually(F f) {
  for (int i = 0; i < 200; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return f();
}

TEST(LidSwitchInhibitor, LidCheck_HoldsHandleLidSwitchInBlockModeUntilFinish) {
  TempRoot root("inhibit-held");
  // Like systemd-inhibit: take the lock (record how), then run the command.
  install_tool(root, "d=$(dirname \"$0\")\necho \"$@\" > \"$d/args.tmp\"; mv \"$d/args.tmp\" \"$d/args\"\n"
                     "echo $$ > \"$d/pid.tmp\"; mv \"$d/pid.tmp\" \"$d/pid\"\nshift 4\nexec \"$@\"\n");
  LinuxPresenceCapture capture(root.path);
  capture.start();
  EXPECT_EQ(capture.inhibit_lid_suspend(std::chrono::seconds(60)), "");
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(root.path / "usr/bin/pid"); }));
  const auto args = slurp(root.path / "usr/bin/args");
  EXPECT_NE(args.find("--what=handle-lid-switch"), std::string::npos) << args;
  EXPECT_NE(args.find("--mode=block"), std::string::npos) << args;
  EXPECT_NE(args.find("sleep 60"), std::string::npos) << args;
  const pid_t pid = std::stoi(slurp(root.path / "usr/bin/pid"));
  EXPECT_TRUE(alive(pid)) << "held while the check runs";
  std::vector<std::string> errors;
  capture.finish(errors);
  EXPECT_FALSE(alive(pid)) << "released (and reaped) when the check is over";
}

TEST(LidSwitchInhibitor, NoLogind_ToolRefusesAtOnce_IsReportedAndTheCheckGoesOn) {
  TempRoot root("inhibit-refused");
  install_tool(root, "echo 'Failed to connect to bus' >&2\nexit 1\n");
  LinuxPresenceCapture capture(root.path);
  capture.start();
  const auto why = capture.inhibit_lid_suspend(std::chrono::seconds(60));
  EXPECT_NE(why.find("exited 1 at once"), std::string::npos) << why;
  std::vector<std::string> errors;
  capture.finish(errors);  // the capture still works
}

TEST(LidSwitchInhibitor, ToolMissing_SaysWhichPath) {
  TempRoot root("inhibit-missing");
  LinuxPresenceCapture capture(root.path);
  capture.start();
  const auto why = capture.inhibit_lid_suspend(std::chrono::seconds(60));
  EXPECT_NE(why.find("usr/bin/systemd-inhibit"), std::string::npos) << why;
  std::vector<std::string> errors;
  capture.finish(errors);
}

}  // namespace
