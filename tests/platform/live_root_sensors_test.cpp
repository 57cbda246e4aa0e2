// The issue-4 probes on this machine's real root: whatever it looks like, they
// must finish, report loopback, and keep to their sections.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "platform/linux/input_timing.h"
#include "platform/linux/keyboard.h"
#include "platform/linux/network.h"
#include "platform/linux/remote_access.h"
#include "platform/linux/timezone.h"
#include "sensor_test_support.h"

namespace {

using namespace telltale::platform::linux_probe;

TEST(LiveRoot, Sensors2ProbesOnThisMachine_RunAndFindLoopback) {
  TimezoneProbe tz;
  KeyboardProbe kb;
  RemoteAccessProbe ra;
  NetworkProbe net;
  InputTimingProbe input;
  telltale::v1::Snapshot s;
  for (telltale::platform::Probe* p : std::initializer_list<telltale::platform::Probe*>{&tz, &kb, &ra, &net, &input})
    s.MergeFrom(sensor_test::collect_from(*p, "/"));
  EXPECT_GT(s.time().agent_clock_unix_ms(), 0);
  bool loopback = false;
  for (const auto& n : s.network().interfaces()) loopback |= n.kind() == "loopback";
  EXPECT_TRUE(loopback) << s.network().ShortDebugString();
  EXPECT_TRUE(s.usb_devices().empty());
  EXPECT_TRUE(s.displays().empty());
  if (std::getenv("TELLTALE_SHOW")) std::cout << s.DebugString();
  for (const auto& e : s.errors()) std::cout << "[ note ] " << e.probe() << " " << e.path() << ": " << e.message() << "\n";
}

}  // namespace
