// USB and display changes on Windows by rescan: the live SetupAPI probes over
// two registry fixture machines, diffed the way the running agent does.
#include <gtest/gtest.h>

#include "platform/rescan_change_monitor.h"
#include "platform/windows/displays.h"
#include "platform/windows/usb.h"
#include "recorded_sources.h"
#include "registry_fixture.h"

namespace {

using namespace telltale::platform::windows_probe;
using telltale::platform::device_changes;
using telltale::testing::RegistryFixture;

telltale::v1::Snapshot scan_machine(const std::string& machine) {
  RegistryFixture fixture(machine);
  telltale::testing::RecordedHid hid;  // no recordings: HID summaries are not what changes are keyed on
  telltale::testing::RecordedTopology topology;
  telltale::v1::Snapshot s;
  UsbProbe(hid).collect({}, s);
  DisplaysProbe(topology).collect({}, s);
  return s;
}

TEST(WindowsDeviceChanges, PiKvmPluggedIntoCleanLaptop_IsOneUsbPlugAndTheCaptureDisplay) {
  const auto clean = scan_machine("clean-laptop");
  const auto pikvm = scan_machine("pikvm-laptop");
  auto events = device_changes(clean, pikvm, 1234);
  int plugged = 0, displays = 0;
  for (const auto& e : events) {
    EXPECT_EQ(e.at_unix_ms(), 1234);
    if (e.has_usb()) {
      EXPECT_TRUE(e.usb().added());
      if (e.usb().vendor_id() == 0x1d6b && e.usb().product_id() == 0x0104) {
        ++plugged;
        EXPECT_EQ(e.usb().port_path(), "1-3");
      }
    }
    if (e.has_display()) {
      ++displays;
      EXPECT_NE(e.display().connector().find("LNX7771"), std::string::npos) << e.display().connector();
    }
  }
  EXPECT_EQ(plugged, 1);
  EXPECT_EQ(displays, 1);
}

TEST(WindowsDeviceChanges, PiKvmUnplugged_IsAnUnplugAndTheDisplayGone) {
  const auto pikvm = scan_machine("pikvm-laptop");
  const auto clean = scan_machine("clean-laptop");
  int unplugged = 0, gone = 0;
  for (const auto& e : device_changes(pikvm, clean, 1)) {
    if (e.has_usb() && !e.usb().added() && e.usb().vendor_id() == 0x1d6b) ++unplugged;
    if (e.has_display() && e.display().status() == "disconnected") ++gone;
  }
  EXPECT_EQ(unplugged, 1);
  EXPECT_EQ(gone, 1);
}

TEST(WindowsDeviceChanges, SameMachineTwice_NoEvents) {
  const auto a = scan_machine("pikvm-laptop");
  const auto b = scan_machine("pikvm-laptop");
  EXPECT_TRUE(device_changes(a, b, 1).empty());
}

}  // namespace
