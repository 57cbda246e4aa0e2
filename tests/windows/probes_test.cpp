// Every Windows probe against the live (Wine) OS with a fixture machine
// loaded: the list is complete, nothing throws, and what Wine cannot answer
// is recorded as an error rather than dropped.
#include <gtest/gtest.h>

#include <set>

#include "platform/windows/probes.h"
#include "registry_fixture.h"

namespace {

TEST(WindowsProbes, AllProbesOnLiveWineWithPiKvmMachine_ProduceOneSnapshot) {
  telltale::testing::RegistryFixture machine("pikvm-laptop");
  auto probes = telltale::platform::windows_probe::make_all();
  std::set<std::string> names;
  telltale::v1::Snapshot s;
  for (auto& p : probes) {
    names.insert(std::string(p->name()));
    EXPECT_NO_THROW(p->collect({}, s)) << p->name();
  }
  EXPECT_EQ(names, (std::set<std::string>{"hardware", "usb", "displays", "timezone", "keyboard", "remote_access", "network", "rdp_sessions", "input_helper", "lid"}));
  for (const auto& e : s.errors()) EXPECT_NE(e.probe(), "input_helper") << e.message();  // the pipe is created, no helper has spoken
  EXPECT_FALSE(s.hardware().cpu_model().empty());
  bool gadget = false;
  for (const auto& d : s.usb_devices()) gadget = gadget || (d.vendor_id() == 0x1d6b && d.product_id() == 0x0104);
  EXPECT_TRUE(gadget);
  // The fixture's HID collections have no device behind them: each must be
  // an error naming the instance, not a silent gap.
  int hid_errors = 0;
  for (const auto& e : s.errors())
    if (e.probe() == "usb" && e.path().rfind("HID\\VID_1D6B&PID_0104", 0) == 0) ++hid_errors;
  EXPECT_EQ(hid_errors, 3);
  EXPECT_FALSE(s.time().iana_zone().empty());
}

}  // namespace
