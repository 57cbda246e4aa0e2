// Windows Raw Input reduced by the same counting as Linux evdev: recorded
// WM_INPUT sequences (as RAWKEYBOARD / RAWMOUSE fields) against the evdev
// streams a Linux kernel delivers for the same typing and pointing.
#include "platform/decode/raw_input.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "platform/decode/evdev_behaviour.h"
#include "platform/decode/evdev_timing.h"
#include "platform/decode/input_helper_frame.h"

namespace {

using telltale::decode::InjectedInputCounter;
using telltale::decode::InputBehaviourCounters;
using telltale::decode::InputEvent;
using telltale::decode::InputTimingAccumulator;
using telltale::decode::RawInputDeviceCounters;
using telltale::decode::RawInputRecord;
using Kind = RawInputRecord::Kind;

constexpr int64_t kT0 = 1764669600LL * 1000000;  // 2025-12-02 10:00:00 UTC

RawInputRecord key(int64_t t_us, uint16_t make, bool up, uint16_t extra_flags = 0) {
  RawInputRecord r;
  r.t_us = t_us;
  r.kind = Kind::keyboard;
  r.make_code = make;
  r.key_flags = static_cast<uint16_t>((up ? telltale::decode::kRiKeyBreak : 0) | extra_flags);
  return r;
}
RawInputRecord mouse(int64_t t_us, uint16_t mouse_flags, uint16_t buttons, int32_t x, int32_t y) {
  RawInputRecord r;
  r.t_us = t_us;
  r.kind = Kind::mouse;
  r.mouse_flags = mouse_flags;
  r.button_flags = buttons;
  r.x = x;
  r.y = y;
  return r;
}
InputEvent ev(int64_t t_us, uint16_t type, uint16_t code, int32_t value) {
  return {t_us / 1000000, t_us % 1000000, type, code, value};
}

telltale::v1::DeviceActivity linux_activity(const std::vector<InputEvent>& events, int32_t abs_max = 0) {
  InputTimingAccumulator timing;
  InputBehaviourCounters behaviour;
  if (abs_max) behaviour.set_abs_range(0, 0, abs_max), behaviour.set_abs_range(1, 0, abs_max);
  timing.add(events);
  behaviour.add(events);
  telltale::v1::DeviceActivity a;
  timing.fill(a);
  behaviour.fill(a);
  return a;
}

telltale::v1::DeviceActivity windows_activity(const std::vector<RawInputRecord>& records) {
  RawInputDeviceCounters c;
  for (const auto& r : records) c.add(r);
  telltale::v1::DeviceActivity a;
  c.fill(a);
  return a;
}

// "hello" typed at human pace with a held key, the way WM_INPUT delivers it
// (scan codes, Windows repeating the make code while the l is held), and the
// way evdev delivers it (kernel key codes, value 2 for autorepeat).
TEST(RawInputCounting, TypingOnWindows_GivesTheSameActivityAsTheSameTypingOnLinux) {
  const std::vector<std::pair<int64_t, int64_t>> presses = {{0, 95000}, {180000, 260000}, {410000, 900000}, {1310000, 1390000}, {1620000, 1700000}};
  const uint16_t scan[] = {0x23, 0x12, 0x26, 0x26, 0x18};   // h e l l o (set 1)
  const uint16_t evdev[] = {35, 18, 38, 38, 24};            // KEY_H … KEY_O
  std::vector<RawInputRecord> win;
  std::vector<InputEvent> lin;
  for (size_t i = 0; i < presses.size(); ++i) {
    const auto [down, up] = presses[i];
    win.push_back(key(kT0 + down, scan[i], false));
    lin.push_back(ev(kT0 + down, 1, evdev[i], 1));
    lin.push_back(ev(kT0 + down, 0, 0, 0));
    if (i == 2)  // the held l repeats after 500 ms, every 33 ms
      for (int64_t t = down + 500000; t < up; t += 33000) {
        win.push_back(key(kT0 + t, scan[i], false));
        lin.push_back(ev(kT0 + t, 1, evdev[i], 2));
        lin.push_back(ev(kT0 + t, 0, 0, 0));
      }
    win.push_back(key(kT0 + up, scan[i], true));
    lin.push_back(ev(kT0 + up, 1, evdev[i], 0));
    lin.push_back(ev(kT0 + up, 0, 0, 0));
  }
  const auto w = windows_activity(win);
  const auto l = linux_activity(lin);
  EXPECT_EQ(w.key_presses(), 5u);
  EXPECT_EQ(w.key_intervals(), 4u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(w, l)) << "windows:\n" << w.DebugString() << "linux:\n" << l.DebugString();
  // The held l: one hold of 490 ms (the 500 ms bound's bucket), not a press per repeat.
  uint64_t holds = 0;
  for (auto c : w.hold_ms().counts()) holds += c;
  EXPECT_EQ(holds, 5u);
}

TEST(RawInputCounting, FakeShiftAroundAnExtendedKey_IsNoKeyPress) {
  // NumLock on, Right arrow: Windows wraps E0 4D in a fake E0 2A shift.
  const auto w = windows_activity({key(kT0, 0x2a, true, telltale::decode::kRiKeyE0), key(kT0 + 10, 0x4d, false, telltale::decode::kRiKeyE0),
                                   key(kT0 + 90000, 0x4d, true, telltale::decode::kRiKeyE0),
                                   key(kT0 + 90010, 0x2a, false, telltale::decode::kRiKeyE0)});
  EXPECT_EQ(w.key_presses(), 1u);
}

TEST(RawInputCounting, ExtendedAndPlainScanCodeOfTheSameNumber_AreDifferentKeys) {
  // Keypad 4 (4B) held while Left arrow (E0 4B) is pressed: two presses, two holds.
  const auto w = windows_activity({key(kT0, 0x4b, false), key(kT0 + 50000, 0x4b, false, telltale::decode::kRiKeyE0),
                                   key(kT0 + 120000, 0x4b, true, telltale::decode::kRiKeyE0), key(kT0 + 200000, 0x4b, true)});
  EXPECT_EQ(w.key_presses(), 2u);
  uint64_t holds = 0;
  for (auto c : w.hold_ms().counts()) holds += c;
  EXPECT_EQ(holds, 2u);
}

// A KVM's absolute mouse (PiKVM: HID absolute pointer, 0..32767 mapped by
// Windows to 0..65535): the web client sends positions, so the pointer
// teleports; a report repeating the position is no move.
TEST(RawInputCounting, KvmAbsolutePointerTeleports_AreCountedLikeOnLinux) {
  const uint16_t abs = telltale::decode::kMouseMoveAbsolute;
  const auto w = windows_activity({mouse(kT0, abs, 0, 1000, 1000), mouse(kT0 + 8000, abs, 0, 1200, 1100),
                                   mouse(kT0 + 16000, abs, 0, 50000, 40000), mouse(kT0 + 24000, abs, 0, 50000, 40000),
                                   mouse(kT0 + 30000, abs, 0x0001, 50000, 40000), mouse(kT0 + 90000, abs, 0x0002, 50000, 40000)});
  const auto l = linux_activity({ev(kT0, 3, 0, 1000), ev(kT0, 3, 1, 1000), ev(kT0, 0, 0, 0),
                                 ev(kT0 + 8000, 3, 0, 1200), ev(kT0 + 8000, 3, 1, 1100), ev(kT0 + 8000, 0, 0, 0),
                                 ev(kT0 + 16000, 3, 0, 50000), ev(kT0 + 16000, 3, 1, 40000), ev(kT0 + 16000, 0, 0, 0),
                                 ev(kT0 + 24000, 0, 0, 0),
                                 ev(kT0 + 30000, 1, 0x110, 1), ev(kT0 + 30000, 0, 0, 0),
                                 ev(kT0 + 90000, 1, 0x110, 0), ev(kT0 + 90000, 0, 0, 0)},
                                65535);
  EXPECT_EQ(w.absolute_moves(), 2u);
  EXPECT_EQ(w.absolute_jumps(), 1u);
  EXPECT_EQ(w.pointer_reports(), 5u);  // the empty repeat is a report on neither OS
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(w, l)) << "windows:\n" << w.DebugString() << "linux:\n" << l.DebugString();
}

TEST(RawInputCounting, RelativeMouseAcrossAQuarterHour_FillsTwoBuckets) {
  std::vector<RawInputRecord> r;
  const int64_t edge = kT0 + 900LL * 1000000;  // 10:15:00
  for (int i = 0; i < 10; ++i) r.push_back(mouse(edge - 80000 + i * 8000, 0, 0, 3, -1));
  r.push_back(mouse(edge + 8000, 0, 0x0400, 0, 0));  // wheel
  const auto w = windows_activity(r);
  ASSERT_EQ(w.buckets_size(), 2);
  EXPECT_EQ(w.buckets(0).pointer_events(), 10u);
  EXPECT_EQ(w.buckets(1).pointer_events(), 1u);
  EXPECT_EQ(w.absolute_moves(), 0u);
  EXPECT_EQ(w.events_by_utc_hour(10), 11u);
}

TEST(RawInputDeviceIdentity, DeviceNames_SayBusAndWhetherTheDeviceIsTheLaptopsOwn) {
  using telltale::decode::identify_raw_input_device;
  const auto usb = identify_raw_input_device(R"(\\?\HID#VID_1D6B&PID_0104&MI_00#7&1f2e3d4c&0&0000#{884b96c3-56ef-11d1-bc8c-00a0c91405dd})");
  EXPECT_EQ(usb.bus, 3u);
  EXPECT_EQ(usb.vid, 0x1d6b);
  EXPECT_EQ(usb.pid, 0x0104);
  EXPECT_FALSE(usb.internal);
  EXPECT_EQ(usb.name, "USB HID 1d6b:0104");
  const auto ps2 = identify_raw_input_device(R"(\\?\ACPI#DLLK0A1F#4&2d6f1c2&0#{884b96c3-56ef-11d1-bc8c-00a0c91405dd})");
  EXPECT_EQ(ps2.bus, 0x11u);
  EXPECT_TRUE(ps2.internal);
  const auto i2c = identify_raw_input_device(R"(\\?\HID#DELL0A20&Col02#5&2bd3c1b4&0&0001#{378de44c-56ef-11d1-bc8c-00a0c91405dd})");
  EXPECT_EQ(i2c.bus, 0x18u);
  EXPECT_TRUE(i2c.internal);
  EXPECT_EQ(i2c.name, "internal HID DELL0A20&COL02");
  const auto bt = identify_raw_input_device(R"(\\?\HID#{00001124-0000-1000-8000-00805f9b34fb}_VID&0002046d_PID&b023&Col01#9&1a2b3c4d&0&0000#{884b96c3-56ef-11d1-bc8c-00a0c91405dd})");
  EXPECT_EQ(bt.bus, 5u);
  EXPECT_EQ(bt.vid, 0x046d);
  EXPECT_EQ(bt.pid, 0xb023);
  const auto rdp = identify_raw_input_device(R"(\\?\Root#RDP_KBD#0000#{884b96c3-56ef-11d1-bc8c-00a0c91405dd})");
  EXPECT_TRUE(rdp.virtual_device);
  EXPECT_EQ(rdp.name, "Remote Desktop input");
  EXPECT_EQ(identify_raw_input_device("").bus, 0u);
}

TEST(InjectedInputCounter, HeldInjectedKeyCountsOnce_AndPhysicalInputNotAtAll) {
  InjectedInputCounter c;
  c.key(true, true, 'A');
  c.key(true, true, 'A');  // repeat
  c.key(true, false, 'A');
  c.key(false, true, 'B');
  c.key(false, false, 'B');
  c.key(true, true, 'B');
  c.pointer(true);
  c.pointer(false);
  telltale::v1::DeviceActivity a;
  c.fill(a);
  EXPECT_EQ(a.injected_key_presses(), 2u);
  EXPECT_EQ(a.injected_pointer_reports(), 1u);
  EXPECT_TRUE(a.virtual_device());
}

TEST(InputHelperFrame, RoundTripAndEveryDamage_NamesWhatIsWrong) {
  telltale::v1::InputActivity in;
  auto* d = in.add_devices();
  d->set_device("USB HID 1d6b:0104");
  d->set_key_presses(42);
  const std::string frame = telltale::decode::encode_input_helper_frame(in);
  auto bytes = [](const std::string& s) { return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  const auto ok = telltale::decode::decode_input_helper_frame(bytes(frame));
  ASSERT_TRUE(ok.activity) << ok.error;
  EXPECT_EQ(ok.activity->devices(0).key_presses(), 42u);

  std::string magic = frame;
  magic.replace(0, 4, "GET ");
  EXPECT_EQ(telltale::decode::decode_input_helper_frame(bytes(magic)).error, "input helper frame: magic 'GET ', expected 'TTIH'");
  std::string version = frame;
  version[4] = 9;
  EXPECT_EQ(telltale::decode::decode_input_helper_frame(bytes(version)).error, "input helper frame: version 9, expected 1");
  EXPECT_EQ(telltale::decode::decode_input_helper_frame(bytes(frame.substr(0, frame.size() - 1))).error,
            "input helper frame: " + std::to_string(frame.size() - 13) + " payload bytes, header says " + std::to_string(frame.size() - 12));
  std::string huge = frame.substr(0, 12);
  huge[11] = 0x7f;
  EXPECT_NE(telltale::decode::decode_input_helper_header(bytes(huge)).error.find("limit 1048576"), std::string::npos);
  std::string garbage = frame.substr(0, 8) + std::string("\x03\0\0\0\xff\xff\xff", 7);
  EXPECT_EQ(telltale::decode::decode_input_helper_frame(bytes(garbage)).error,
            "input helper frame: payload of 3 bytes is not an InputActivity message");
}

}  // namespace
