// Behaviour counters (issue 17) over recorded evdev streams: the fixture trees
// of make_behaviour.py (a KVM wearing a Logitech identity, a docked office
// laptop) and small streams written here for the corners.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <filesystem>
#include <map>
#include <random>
#include <string>

#include "platform/decode/evdev_behaviour.h"
#include "platform/linux/input_timing.h"
#include "sensor_test_support.h"

namespace {

namespace fs = std::filesystem;
using telltale::decode::InputBehaviourCounters;
using telltale::decode::InputEvent;
using telltale::decode::LidTimeline;
using telltale::platform::linux_probe::InputTimingProbe;
using sensor_test::kFixtures;

constexpr int64_t kStart = 1795392000LL * 1000000;  // 2026-11-23 00:00 UTC
constexpr uint16_t kSyn = 0, kKey = 1, kAbs = 3, kMsc = 4, kSw = 5;

std::string record(int64_t t_us, uint16_t type, uint16_t code, int32_t value) {
  return telltale::decode::encode_input_event({t_us / 1000000, t_us % 1000000, type, code, value});
}

std::string press(int64_t t_us, uint16_t code, int64_t hold_us = 90000) {
  return record(t_us, kMsc, 4, 0x70000 + code) + record(t_us, kKey, code, 1) + record(t_us, kSyn, 0, 0) +
         record(t_us + hold_us, kMsc, 4, 0x70000 + code) + record(t_us + hold_us, kKey, code, 0) +
         record(t_us + hold_us, kSyn, 0, 0);
}

const telltale::v1::DeviceActivity& device(const telltale::v1::Snapshot& s, const std::string& node) {
  for (const auto& d : s.input_activity().devices())
    if (d.event_node() == node) return d;
  throw std::runtime_error("no activity for " + node);
}

double burst_share(const telltale::v1::DeviceActivity& d) {
  return d.key_intervals() == 0 ? 0.0 : static_cast<double>(d.burst_intervals()) / static_cast<double>(d.key_intervals());
}

uint64_t hours_total(const telltale::v1::DeviceActivity& d) {
  uint64_t n = 0;
  for (auto c : d.events_by_utc_hour()) n += c;
  return n;
}

struct Root : sensor_test::TempRoot {
  explicit Root(const std::string& tag) : sensor_test::TempRoot("ib-" + tag) { fs::create_directories(path / "dev/input"); }
};

TEST(InputBehaviour, KvmWearingLogitechIdentity_ClumpsKeystrokesTeleportsAndTypesWithLidClosed) {
  InputTimingProbe probe;
  auto s = sensor_test::collect_from(probe, kFixtures / "kvm-copied-logitech-laptop");
  const auto& kbd = device(s, "event6");
  EXPECT_EQ(kbd.device(), "Logitech USB Receiver");
  EXPECT_EQ(kbd.bus(), 0x03u);
  EXPECT_FALSE(kbd.virtual_device());
  ASSERT_GT(kbd.key_intervals(), 2000u);
  EXPECT_GT(burst_share(kbd), 0.05) << kbd.burst_intervals() << " of " << kbd.key_intervals();
  EXPECT_GT(kbd.burst_after_gap(), 0u);
  // Every session happened with the lid shut.
  EXPECT_EQ(kbd.key_presses_lid_closed(), kbd.key_presses());

  const auto& mouse = device(s, "event7");
  ASSERT_GT(mouse.absolute_moves(), 500u);
  EXPECT_GT(static_cast<double>(mouse.absolute_jumps()) / static_cast<double>(mouse.absolute_moves()), 0.15);
  EXPECT_EQ(mouse.pointer_reports_lid_closed(), mouse.pointer_reports());

  // 05:30-10:30 UTC only.
  ASSERT_EQ(kbd.events_by_utc_hour_size(), 24);
  for (int h = 0; h < 24; ++h)
    if (h < 5 || h > 10) EXPECT_EQ(kbd.events_by_utc_hour(h), 0u) << "hour " << h;
  EXPECT_EQ(hours_total(kbd), kbd.key_presses());

  // The few words on the built-in keyboard came before the lid first closed.
  const auto& builtin = device(s, "event2");
  EXPECT_EQ(builtin.bus(), 0x11u);
  EXPECT_GT(builtin.key_presses(), 0u);
  EXPECT_EQ(builtin.key_presses_lid_closed(), 0u);

  EXPECT_EQ(s.lid().switch_changes(), 3u);
  EXPECT_GT(s.lid().closed_seconds(), 24 * 3600);
}

TEST(InputBehaviour, DockedOfficeKeyboard_RollsOverRarelyAndTheMouseIsRelative) {
  InputTimingProbe probe;
  auto s = sensor_test::collect_from(probe, kFixtures / "docked-office-laptop");
  const auto& kbd = device(s, "event6");
  EXPECT_EQ(kbd.device(), "Logitech USB Keyboard");
  ASSERT_GT(kbd.key_intervals(), 2000u);
  // A fast typist's rollover puts two keys in one 8 ms poll now and then.
  EXPECT_GT(kbd.burst_intervals(), 0u);
  EXPECT_LT(burst_share(kbd), 0.02);
  EXPECT_EQ(kbd.key_presses_lid_closed(), kbd.key_presses());
  const auto& mouse = device(s, "event7");
  EXPECT_GT(mouse.pointer_reports(), 1000u);
  EXPECT_EQ(mouse.absolute_moves(), 0u);
  EXPECT_EQ(device(s, "event2").key_presses(), 0u);
}

TEST(InputBehaviour, VirtualKeyboard_ReportsItsBusAndVirtualFlag) {
  InputTimingProbe probe;
  auto s = sensor_test::collect_from(probe, kFixtures / "x11vnc-laptop");
  EXPECT_TRUE(device(s, "event6").virtual_device());
  EXPECT_EQ(device(s, "event6").bus(), 0x06u);
  EXPECT_EQ(device(s, "event3").bus(), 0x11u);
  EXPECT_FALSE(device(s, "event3").virtual_device());
  // Machine-regular 20 ms trains are not clumps.
  EXPECT_EQ(device(s, "event6").burst_intervals(), 0u);
}

TEST(InputBehaviour, LidOpenedForAnHour_TypingInThatHourCountsAsOpen) {
  Root root("lid-toggle");
  const int64_t h = 3600LL * 1000000;
  root.put("dev/input/event0", record(kStart + 1 * h, kSw, 0, 1) + record(kStart + 1 * h, kSyn, 0, 0) +
                                   record(kStart + 2 * h, kSw, 0, 0) + record(kStart + 2 * h, kSyn, 0, 0) +
                                   record(kStart + 3 * h, kSw, 0, 1) + record(kStart + 3 * h, kSyn, 0, 0));
  std::string keys;
  for (int hour = 0; hour < 4; ++hour)  // 10 presses in each hour: before, closed, open, closed again
    for (int i = 0; i < 10; ++i) keys += press(kStart + hour * h + 600LL * 1000000 + i * 200000, 30);
  root.put("dev/input/event9", keys);  // listed after the lid switch on purpose: order must not matter
  root.put("dev/input/event1", keys);
  InputTimingProbe probe;
  auto s = sensor_test::collect_from(probe, root.path);
  for (const auto* node : {"event1", "event9"}) {
    EXPECT_EQ(device(s, node).key_presses(), 40u);
    EXPECT_EQ(device(s, node).key_presses_lid_closed(), 20u) << node;
  }
  EXPECT_EQ(s.lid().switch_changes(), 3u);
  EXPECT_EQ(s.lid().closed_seconds(), 3600);
  // Devices stay listed by node whatever order they were read in.
  EXPECT_EQ(s.input_activity().devices(0).event_node(), "event0");
}

TEST(InputBehaviour, NoLidSwitchStream_TheAcpiStateHolds) {
  Root root("lid-acpi");
  root.put("proc/acpi/button/lid/LID0/state", "state:      closed\n");
  std::string keys;
  for (int i = 0; i < 25; ++i) keys += press(kStart + i * 250000, 31);
  root.put("dev/input/event4", keys);
  InputTimingProbe probe;
  auto s = sensor_test::collect_from(probe, root.path);
  EXPECT_EQ(device(s, "event4").key_presses_lid_closed(), 25u);
  EXPECT_EQ(s.lid().switch_changes(), 0u);

  root.put("proc/acpi/button/lid/LID0/state", "state:      open\n");
  s = sensor_test::collect_from(probe, root.path);
  EXPECT_EQ(device(s, "event4").key_presses_lid_closed(), 0u);
}

TEST(InputBehaviour, TouchscreenTapsAllOverTheScreen_AreContactsNotTeleports) {
  Root root("touch");
  std::mt19937 rng(5);
  std::string stream;
  int64_t t = kStart;
  for (int tap = 0; tap < 200; ++tap) {
    const int x = static_cast<int>(rng() % 4096), y = static_cast<int>(rng() % 4096);
    t += 700000;
    stream += record(t, kAbs, 0x39, tap) + record(t, kKey, 0x14a, 1) + record(t, kAbs, 0, x) + record(t, kAbs, 1, y) +
              record(t, kSyn, 0, 0);
    for (int step = 1; step <= 5; ++step) {  // a short drag, a few units per report
      t += 8000;
      stream += record(t, kAbs, 0, x + step * 3) + record(t, kAbs, 1, y + step * 2) + record(t, kSyn, 0, 0);
    }
    t += 8000;
    stream += record(t, kAbs, 0x39, -1) + record(t, kKey, 0x14a, 0) + record(t, kSyn, 0, 0);
  }
  root.put("dev/input/event6", stream);
  InputTimingProbe probe;
  auto s = sensor_test::collect_from(probe, root.path);
  const auto& d = device(s, "event6");
  EXPECT_EQ(d.absolute_moves(), 200u * 5);
  EXPECT_EQ(d.absolute_jumps(), 0u);
}

TEST(InputBehaviour, Counters_AreTheSameForAnyKeyLabelsAndPointerOffset) {
  // Keys relabelled and the pointer path moved inside its range: nothing the
  // agent reports may change (no key code or coordinate leaves).
  auto build = [](uint16_t key_offset, int32_t shift) {
    std::mt19937 rng(9);
    InputBehaviourCounters c;
    c.set_abs_range(0, 0, 32767);
    c.set_abs_range(1, 0, 32767);
    std::vector<InputEvent> events;
    int64_t t = kStart;
    for (int i = 0; i < 300; ++i) {
      t += (i % 7 == 0) ? 1000 : 120000 + static_cast<int64_t>(rng() % 90000);
      const uint16_t code = static_cast<uint16_t>(16 + (rng() % 30) + key_offset);
      events.push_back({t / 1000000, t % 1000000, kKey, code, 1});
      events.push_back({t / 1000000, t % 1000000, kSyn, 0, 0});
      const int32_t x = static_cast<int32_t>(rng() % 16000) + shift, y = static_cast<int32_t>(rng() % 16000) + shift;
      events.push_back({t / 1000000, t % 1000000 + 1, kAbs, 0, x});
      events.push_back({t / 1000000, t % 1000000 + 1, kAbs, 1, y});
      events.push_back({t / 1000000, t % 1000000 + 1, kSyn, 0, 0});
    }
    for (const auto& e : events) c.add(e);
    telltale::v1::DeviceActivity out;
    c.fill(out);
    return out.SerializeAsString();
  };
  EXPECT_EQ(build(0, 0), build(40, 9000));
}

TEST(InputBehaviour, ShedProbe_CollectsNoBehaviourEither) {
  InputTimingProbe probe;
  probe.set_shed(true);
  auto s = sensor_test::collect_from(probe, kFixtures / "kvm-copied-logitech-laptop");
  EXPECT_TRUE(s.input_activity().shed());
  EXPECT_EQ(s.input_activity().devices_size(), 0);
  EXPECT_EQ(s.lid().switch_changes(), 0u);
  probe.set_shed(false);
  s = sensor_test::collect_from(probe, kFixtures / "kvm-copied-logitech-laptop");
  EXPECT_GT(device(s, "event6").burst_intervals(), 0u);
}

// A pseudo-terminal stands in for a live character device: what is written to
// the master is read from the slave like evdev records.
struct LivePty {
  int master = -1, keep_open = -1;
  std::string slave;
  LivePty() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) throw std::runtime_error("no pty");
    slave = ::ptsname(master);
    keep_open = ::open(slave.c_str(), O_RDWR | O_NOCTTY);  // keeps the pty from hanging up
    termios raw{};
    ::tcgetattr(keep_open, &raw);
    ::cfmakeraw(&raw);
    ::tcsetattr(keep_open, TCSANOW, &raw);
  }
  ~LivePty() {
    ::close(keep_open);
    ::close(master);
  }
  void write(const std::string& bytes) const {
    if (::write(master, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) throw std::runtime_error("short write");
  }
};

TEST(InputBehaviour, LiveLidSwitchClosed_LiveKeyboardTypingCountsAsLidClosed) {
  LivePty lid_dev, kbd_dev;
  Root root("live");
  fs::create_symlink(lid_dev.slave, root.path / "dev/input/event0");
  fs::create_symlink(kbd_dev.slave, root.path / "dev/input/event5");
  {
    InputTimingProbe probe;
    auto s = sensor_test::collect_from(probe, root.path);  // starts the reader
    ASSERT_EQ(s.input_activity().devices_size(), 2);
    const int64_t t0 = 1'800'000'000'000'000;
    lid_dev.write(record(t0, kSw, 0, 1) + record(t0, kSyn, 0, 0));
    for (int i = 0; i < 100 && s.lid().switch_changes() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      s = sensor_test::collect_from(probe, root.path);
    }
    ASSERT_EQ(s.lid().switch_changes(), 1u);
    std::string keys;
    for (int i = 0; i < 30; ++i) keys += press(t0 + 1000000 + i * 150000, 30);
    kbd_dev.write(keys);
    for (int i = 0; i < 100 && device(s, "event5").key_presses() < 30; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      s = sensor_test::collect_from(probe, root.path);
    }
    EXPECT_EQ(device(s, "event5").key_presses(), 30u);
    EXPECT_EQ(device(s, "event5").key_presses_lid_closed(), 30u);
  }
}

TEST(LidTimeline, BeforeTheFirstChangeTheLidWasTheOtherWay_AndRepeatsAreNoChange) {
  LidTimeline lid;
  EXPECT_FALSE(lid.closed_at(kStart).has_value());
  lid.set_current(true);
  EXPECT_EQ(lid.closed_at(kStart), true);
  lid.record(kStart + 100, true);
  lid.record(kStart + 200, true);  // re-sent on resume
  lid.record(kStart + 300, false);
  lid.record(kStart + 250, false);  // late, out of order: the lid opened earlier than first heard
  EXPECT_EQ(lid.changes(), 3u);
  EXPECT_EQ(lid.closed_at(kStart + 50), false);
  EXPECT_EQ(lid.closed_at(kStart + 150), true);
  EXPECT_EQ(lid.closed_at(kStart + 260), false);
  EXPECT_EQ(lid.closed_at(kStart + 1000), false);
}

TEST(LidTimeline, EndlessToggling_KeepsABoundedHistory) {
  LidTimeline lid;
  for (size_t i = 0; i < LidTimeline::kMaxChanges * 3; ++i) lid.record(kStart + static_cast<int64_t>(i) * 1000000, i % 2 == 0);
  EXPECT_EQ(lid.changes(), LidTimeline::kMaxChanges * 3);
  // The newest change still answers; the whole-history count keeps growing.
  EXPECT_EQ(lid.closed_at(kStart + static_cast<int64_t>(LidTimeline::kMaxChanges * 3 - 1) * 1000000), false);
}

}  // namespace
