// /proc/bus/input/devices: the pure parser and the probe on the fixture machines.
#include <gtest/gtest.h>

#include <algorithm>

#include "platform/decode/proc_input_devices.h"
#include "platform/decode/usb_sysfs.h"
#include "platform/linux/input_devices.h"
#include "platform/usb_tree_helpers.h"

namespace telltale::platform::linux_probe {
namespace {

v1::Snapshot collect(const std::filesystem::path& root) {
  return telltale::testing::collect_probe<InputDevicesProbe>(root);
}

v1::Snapshot collect_fixture(const std::string& name) { return collect(telltale::testing::fixture_root(name)); }

std::vector<const v1::InputDevice*> on_port(const v1::Snapshot& s, const std::string& port) {
  std::vector<const v1::InputDevice*> out;
  for (const auto& d : s.input_devices())
    if (d.usb_port_path() == port) out.push_back(&d);
  return out;
}

const v1::InputDevice* named(const v1::Snapshot& s, const std::string& name) {
  for (const auto& d : s.input_devices())
    if (d.name() == name) return &d;
  return nullptr;
}

TEST(InputDevices, PiKvmLaptop_GadgetHasKeyboardAbsoluteAndRelativePointerNodes) {
  auto s = collect_fixture("pikvm-laptop");
  EXPECT_EQ(s.errors_size(), 0);
  auto kvm = on_port(s, "1-3");
  ASSERT_EQ(kvm.size(), 3u);
  for (const auto* d : kvm) {
    EXPECT_EQ(d->bus(), 3u);
    EXPECT_EQ(d->vendor(), 0x1d6bu);
    EXPECT_EQ(d->product(), 0x0104u);
    EXPECT_EQ(d->uniq(), "CAFEBABE");
    EXPECT_FALSE(d->virtual_device());
    EXPECT_EQ(d->name(), "PiKVM PiKVM Composite Device");
  }
  EXPECT_TRUE(kvm[0]->keyboard());
  EXPECT_TRUE(kvm[0]->has_keys());
  EXPECT_EQ(kvm[0]->handlers(0), "sysrq");
  EXPECT_TRUE(kvm[1]->has_absolute());
  EXPECT_FALSE(kvm[1]->has_relative());  // only the wheels are relative
  EXPECT_FALSE(kvm[1]->touchscreen());
  EXPECT_FALSE(kvm[1]->touchpad());
  EXPECT_TRUE(kvm[2]->has_relative());
  EXPECT_FALSE(kvm[2]->has_absolute());
  EXPECT_EQ(kvm[2]->phys(), "usb-0000:00:14.0-3/input2");
}

TEST(InputDevices, CleanLaptop_InternalKeyboardIsSerioAndTouchpadIsI2c) {
  auto s = collect_fixture("clean-laptop");
  EXPECT_EQ(s.errors_size(), 0);
  const auto* kbd = named(s, "AT Translated Set 2 keyboard");
  ASSERT_NE(kbd, nullptr);
  EXPECT_EQ(kbd->bus(), 0x11u);
  EXPECT_TRUE(kbd->keyboard());
  EXPECT_EQ(kbd->usb_port_path(), "");
  EXPECT_EQ(kbd->sysfs(), "/devices/platform/i8042/serio0/input/input2");

  const auto* pad = named(s, "ELAN0676:00 04F3:3195 Touchpad");
  ASSERT_NE(pad, nullptr);
  EXPECT_EQ(pad->bus(), 0x18u);
  EXPECT_TRUE(pad->touchpad());
  EXPECT_TRUE(pad->has_absolute());
  EXPECT_FALSE(pad->touchscreen());
  EXPECT_EQ(pad->properties(), "5");
  EXPECT_EQ(pad->usb_port_path(), "");

  const auto* power = named(s, "Power Button");
  ASSERT_NE(power, nullptr);
  EXPECT_TRUE(power->has_keys());
  EXPECT_FALSE(power->keyboard());
}

TEST(InputDevices, CleanLaptop_UnifyingMouseIsRelativeAndBelongsToTheReceiver) {
  auto s = collect_fixture("clean-laptop");
  auto receiver = on_port(s, "1-2");
  // Only the paired mouse has a node; the receiver's keyboard and vendor HID devices have none.
  ASSERT_EQ(receiver.size(), 1u);
  EXPECT_EQ(receiver[0]->name(), "Logitech MX Master 3");
  EXPECT_TRUE(receiver[0]->has_relative());
  EXPECT_FALSE(receiver[0]->has_absolute());
  EXPECT_EQ(receiver[0]->handlers_size(), 2);
  for (const auto& d : s.input_devices()) EXPECT_FALSE(d.has_absolute() && !d.touchpad()) << d.name();
}

TEST(InputDevices, TouchscreenLaptop_TouchscreenIsDirectAbsolute) {
  auto s = collect_fixture("touchscreen-laptop");
  auto screen = on_port(s, "1-7");
  ASSERT_EQ(screen.size(), 1u);
  EXPECT_TRUE(screen[0]->touchscreen());
  EXPECT_TRUE(screen[0]->has_absolute());
  EXPECT_FALSE(screen[0]->touchpad());
}

TEST(InputDevices, DevVm_UinputTabletIsVirtualAndQemuTabletIsUsb) {
  auto s = collect_fixture("dev-vm");
  const auto* uinput = named(s, "spice vdagent tablet");
  ASSERT_NE(uinput, nullptr);
  EXPECT_TRUE(uinput->virtual_device());
  EXPECT_EQ(uinput->bus(), 6u);
  EXPECT_EQ(uinput->phys(), "");
  const auto* tablet = named(s, "QEMU QEMU USB Tablet");
  ASSERT_NE(tablet, nullptr);
  EXPECT_FALSE(tablet->virtual_device());
  EXPECT_TRUE(tablet->has_absolute());
  EXPECT_EQ(tablet->usb_port_path(), "1-1");
}

TEST(InputDevices, MissingProcFile_IsRecorded) {
  telltale::testing::TempTree t;
  auto s = collect(t.root());
  EXPECT_EQ(s.input_devices_size(), 0);
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).probe(), "input_devices");
  EXPECT_EQ(s.errors(0).path(), "proc/bus/input/devices");
}

// --- the pure parser ---------------------------------------------------------------

TEST(ProcInputBitmap, WordsAreMostSignificantFirstWithLeadingZerosOmitted) {
  auto b = decode::parse_input_bitmap("1000000000007 ff9f207ac14057ff febeffdfffefffff fffffffffffffffe");
  ASSERT_TRUE(b.has_value());
  ASSERT_EQ(b->words.size(), 4u);
  EXPECT_FALSE(b->test(0));     // KEY_RESERVED
  EXPECT_TRUE(b->test(1));      // KEY_ESC
  EXPECT_TRUE(b->test(30));     // KEY_A
  EXPECT_TRUE(b->test(192));    // word 3, bit 0
  EXPECT_TRUE(b->test(240));    // 0x1000000000000 in word 3
  EXPECT_FALSE(b->test(1000));  // beyond the bitmap
  auto empty = decode::parse_input_bitmap("0");
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(empty->test(0));
  // Middle zero words are printed as "0": BTN_LEFT sits in word 4.
  auto mouse = decode::parse_input_bitmap("70000 0 0 0 0");
  ASSERT_TRUE(mouse.has_value());
  EXPECT_TRUE(mouse->test(0x110));
  EXPECT_FALSE(mouse->test(0x10));
}

TEST(ProcInputBitmap, RejectsNonHexAndOverwideWords) {
  EXPECT_FALSE(decode::parse_input_bitmap("zz").has_value());
  EXPECT_FALSE(decode::parse_input_bitmap("10000000000000000").has_value());  // 17 digits
  EXPECT_FALSE(decode::parse_input_bitmap("").has_value());
  EXPECT_FALSE(decode::parse_input_bitmap("-1").has_value());
  EXPECT_FALSE(decode::parse_input_bitmap("1 1 1 1 1 1 1 1 1 1 1 1 1").has_value());  // 13 words
}

TEST(ProcInputParser, BlockWithoutIdLineIsDroppedAndBadBitmapReported) {
  const char* text =
      "N: Name=\"orphan\"\n"
      "B: EV=3\n"
      "\n"
      "I: Bus=0003 Vendor=046d Product=c52b Version=0111\n"
      "N: Name=\"Broken Mouse\"\n"
      "S: Sysfs=/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.4/1-1.4:1.0/0003:046D:C52B.0001/input/input9\n"
      "H: Handlers=mouse0 event9 \n"
      "B: EV=17\n"
      "B: KEY=zz\n"
      "B: REL=3\n";
  auto parsed = decode::parse_proc_input_devices(text);
  ASSERT_EQ(parsed.devices.size(), 1u);
  const auto& d = parsed.devices[0];
  EXPECT_EQ(d.name(), "Broken Mouse");
  EXPECT_EQ(d.usb_port_path(), "1-1.4");
  EXPECT_TRUE(d.has_relative());
  EXPECT_FALSE(d.has_keys());  // the KEY bitmap was unreadable
  ASSERT_EQ(d.handlers_size(), 2);
  ASSERT_EQ(parsed.errors.size(), 2u);
  EXPECT_NE(parsed.errors[0].find("orphan"), std::string::npos);
  EXPECT_NE(parsed.errors[1].find("KEY bitmap \"zz\""), std::string::npos);
}

TEST(ProcInputParser, GarbageNeverCrashesAndYieldsNoDevices) {
  std::string junk = "\x01\x02 I: Bus=zzzz\n\n\n\xff\xfe: \nB:\nI: Bus=0003\n";
  auto parsed = decode::parse_proc_input_devices(junk);
  EXPECT_TRUE(parsed.devices.empty());
  EXPECT_FALSE(parsed.errors.empty());
}

TEST(UsbPortPathFromSysfs, TakesTheDeepestUsbDeviceOnThePath) {
  EXPECT_EQ(decode::usb_port_path_from_sysfs(
                "/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.4/1-1.4:1.0/0003:1D6B:0104.0005/input/input20"),
            "1-1.4");
  EXPECT_EQ(decode::usb_port_path_from_sysfs("/devices/platform/i8042/serio0/input/input3"), "");
  EXPECT_EQ(decode::usb_port_path_from_sysfs("/devices/virtual/input/input7"), "");
}

}  // namespace
}  // namespace telltale::platform::linux_probe
