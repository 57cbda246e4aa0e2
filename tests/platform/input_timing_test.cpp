#include "platform/linux/input_timing.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "platform/decode/evdev_timing.h"
#include "sensor_test_support.h"

namespace {

namespace fs = std::filesystem;
using telltale::decode::InputEvent;
using telltale::decode::InputTimingAccumulator;
using telltale::platform::linux_probe::InputTimingProbe;

using sensor_test::kFixtures;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

struct TempRoot : sensor_test::TempRoot {
  explicit TempRoot(const std::string& tag) : sensor_test::TempRoot("it-" + tag) {
    fs::create_directories(path / "dev/input");
  }
};

telltale::v1::Snapshot collect(InputTimingProbe& probe, const fs::path& root) {
  return sensor_test::collect_from(probe, root);
}

std::string record(int64_t t_us, uint16_t type, uint16_t code, int32_t value) {
  return telltale::decode::encode_input_event({t_us / 1000000, t_us % 1000000, type, code, value});
}

// Rewrites every EV_KEY code (and the MSC_SCAN value derived from it) through `map`.
std::string relabel(const std::string& stream, const std::map<uint16_t, uint16_t>& map) {
  std::string out = stream;
  for (size_t off = 0; off + 24 <= out.size(); off += 24) {
    uint16_t type, code;
    std::memcpy(&type, out.data() + off + 16, 2);
    std::memcpy(&code, out.data() + off + 18, 2);
    if (type == 1) {
      uint16_t mapped = map.at(code);
      std::memcpy(out.data() + off + 18, &mapped, 2);
    } else if (type == 4) {
      int32_t scan = 0x70000 + ((off / 24) % 97);  // scan codes changed too
      std::memcpy(out.data() + off + 20, &scan, 4);
    }
  }
  return out;
}

// Decodes a whole recording and accumulates it as one device.
telltale::v1::DeviceActivity activity_of(const fs::path& recording) {
  std::vector<InputEvent> events;
  const auto bytes = read_all(recording);
  telltale::decode::decode_input_events(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), events);
  InputTimingAccumulator acc;
  acc.add(events);
  telltale::v1::DeviceActivity out;
  acc.fill(out);
  return out;
}

const telltale::v1::DeviceActivity* device(const telltale::v1::Snapshot& s, const std::string& node) {
  for (const auto& d : s.input_activity().devices())
    if (d.event_node() == node) return &d;
  return nullptr;
}

uint64_t sum(const telltale::v1::Histogram& h) {
  uint64_t total = 0;
  for (auto c : h.counts()) total += c;
  return total;
}

TEST(EvdevTiming, KvmPasteAsKeysTwentyMsApart_IsPerfectlyRegular) {
  const auto out = activity_of(kFixtures / "data/evdev/machine-regular.bin");
  EXPECT_EQ(out.key_presses(), 600u);
  EXPECT_DOUBLE_EQ(out.regular_interval_share(), 1.0);
  // All 599 intervals fall in (10, 20] ms; all 600 holds in [0, 10] ms.
  EXPECT_EQ(out.inter_key_ms().counts(1), 599u);
  EXPECT_EQ(sum(out.inter_key_ms()), 599u);
  EXPECT_EQ(out.hold_ms().counts(0), 600u);
  EXPECT_EQ(out.inter_key_ms().counts_size(), out.inter_key_ms().bounds_ms_size() + 1);
}

TEST(EvdevTiming, HumanTyping_IsIrregularAndSpreadAcrossBuckets) {
  const auto out = activity_of(kFixtures / "data/evdev/natural-typing.bin");
  EXPECT_EQ(out.key_presses(), 900u);
  EXPECT_LT(out.regular_interval_share(), 0.05);
  int nonzero = 0;
  for (auto c : out.inter_key_ms().counts()) nonzero += c > 0;
  EXPECT_GE(nonzero, 5);
  uint64_t keys = 0;
  for (const auto& b : out.buckets()) {
    EXPECT_EQ(b.start_unix() % 900, 0);
    keys += b.key_events();
  }
  EXPECT_EQ(keys, 900u);
  EXPECT_GE(out.buckets_size(), 2);
}

TEST(EvdevTiming, AutorepeatAndPointerReports_AreNotKeyPresses) {
  InputTimingAccumulator acc;
  int64_t t = 1'800'000'000'000'000;
  acc.add({t / 1000000, t % 1000000, 1, 30, 1});
  acc.add({t / 1000000, t % 1000000 + 500000, 1, 30, 2});  // autorepeat
  acc.add({t / 1000000, t % 1000000 + 600000, 1, 30, 0});
  acc.add({t / 1000000 + 1, 0, 2, 0, 5});                   // REL_X
  acc.add({t / 1000000 + 1, 0, 2, 1, -3});                  // REL_Y
  acc.add({t / 1000000 + 1, 0, 0, 0, 0});                   // SYN_REPORT → one pointer report
  acc.add({t / 1000000 + 1, 10, 1, 0x110, 1});              // BTN_LEFT
  acc.add({t / 1000000 + 1, 10, 0, 0, 0});
  telltale::v1::DeviceActivity out;
  acc.fill(out);
  EXPECT_EQ(out.key_presses(), 1u);
  ASSERT_EQ(out.buckets_size(), 1);
  EXPECT_EQ(out.buckets(0).pointer_events(), 2u);
  EXPECT_EQ(out.hold_ms().counts(10), 1u);  // 600 ms: (500, 1000]
}


// evdev stamps events with the wall clock, which can be set back. With a full
// week of buckets kept, a press stamped before all of them used to create a
// bucket, evict it at once and count into the freed node (ASan: use after free).
TEST(EvdevTiming, WallClockSetBackPastAFullWeek_OldPressCountsAsAPressButInNoBucket) {
  InputTimingAccumulator acc;
  const int64_t week_start = 1'800'000'000 - 1'800'000'000 % 900;
  for (size_t q = 0; q < InputTimingAccumulator::kMaxBuckets; ++q)
    acc.add({week_start + static_cast<int64_t>(q) * 900, 0, 1, 30, 1});
  acc.add({week_start - 14 * 86400, 0, 1, 30, 1});  // two weeks before the first bucket
  acc.add({week_start + 60, 0, 1, 31, 1});           // and back: lands in the oldest kept bucket
  telltale::v1::DeviceActivity out;
  acc.fill(out);
  EXPECT_EQ(out.key_presses(), InputTimingAccumulator::kMaxBuckets + 2);
  ASSERT_EQ(out.buckets_size(), static_cast<int>(InputTimingAccumulator::kMaxBuckets));
  EXPECT_EQ(out.buckets(0).start_unix(), week_start);
  EXPECT_EQ(out.buckets(0).key_events(), 2u);
  uint64_t keys = 0;
  for (const auto& b : out.buckets()) keys += b.key_events();
  EXPECT_EQ(keys, InputTimingAccumulator::kMaxBuckets + 1);
}

TEST(EvdevTiming, NewerQuarterHourOnAFullWeek_EvictsTheOldestBucket) {
  InputTimingAccumulator acc;
  const int64_t week_start = 1'800'000'000 - 1'800'000'000 % 900;
  for (size_t q = 0; q <= InputTimingAccumulator::kMaxBuckets; ++q)
    acc.add({week_start + static_cast<int64_t>(q) * 900, 0, 1, 30, 1});
  telltale::v1::DeviceActivity out;
  acc.fill(out);
  ASSERT_EQ(out.buckets_size(), static_cast<int>(InputTimingAccumulator::kMaxBuckets));
  EXPECT_EQ(out.buckets(0).start_unix(), week_start + 900);
}

// Timestamps no kernel writes (a corrupt recording) would overflow the
// microsecond arithmetic; they are not events.
TEST(EvdevTiming, ImpossibleTimestamps_AreIgnored) {
  InputTimingAccumulator acc;
  acc.add({INT64_MAX, 0, 1, 30, 1});
  acc.add({-1, 0, 1, 30, 1});
  acc.add({INT64_MIN, 0, 1, 30, 1});
  acc.add({1'800'000'000, 1'000'000, 1, 30, 1});
  acc.add({1'800'000'000, -1, 1, 30, 1});
  telltale::v1::DeviceActivity out;
  acc.fill(out);
  EXPECT_EQ(out.key_presses(), 0u);
  EXPECT_EQ(out.buckets_size(), 0);
}
TEST(InputTimingProbe, X11vncLaptop_XtestKeyboardIsVirtualAndRegularWhileTheBuiltInOneIsHuman) {
  InputTimingProbe probe;
  auto s = collect(probe, kFixtures / "x11vnc-laptop");
  EXPECT_EQ(s.errors_size(), 0);
  ASSERT_EQ(s.input_activity().devices_size(), 2);
  const auto* builtin = device(s, "event3");
  const auto* xtest = device(s, "event6");
  ASSERT_TRUE(builtin && xtest);
  EXPECT_EQ(builtin->device(), "AT Translated Set 2 keyboard");
  EXPECT_FALSE(builtin->virtual_device());
  EXPECT_LT(builtin->regular_interval_share(), 0.05);
  EXPECT_EQ(xtest->device(), "Virtual core XTEST keyboard");
  EXPECT_TRUE(xtest->virtual_device());
  EXPECT_DOUBLE_EQ(xtest->regular_interval_share(), 1.0);
  EXPECT_FALSE(s.input_activity().shed());
}

TEST(InputTimingProbe, SameTimingWithOtherKeyCodes_ProducesIdenticalSnapshotBytes) {
  const auto original = read_all(kFixtures / "data/evdev/natural-typing.bin");
  // A bijection onto entirely different keys (digits, F-keys, keypad…).
  const std::vector<uint16_t> from = {16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33,
                                      34, 35, 36, 37, 38, 44, 45, 46, 47, 48, 49, 50, 57};
  const std::vector<uint16_t> to = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 59, 60, 61, 62,
                                    63, 64, 65, 66, 67, 68, 71, 72, 73, 75, 76, 77, 79};
  std::map<uint16_t, uint16_t> map;
  for (size_t i = 0; i < from.size(); ++i) map[from[i]] = to[i];
  const auto other = relabel(original, map);
  ASSERT_NE(original, other);  // the input really differs

  TempRoot a("a"), b("b");
  a.put("dev/input/event3", original);
  b.put("dev/input/event3", other);
  InputTimingProbe pa, pb;
  auto sa = collect(pa, a.path), sb = collect(pb, b.path);
  ASSERT_EQ(sa.input_activity().devices(0).key_presses(), 900u);
  std::string bytes_a, bytes_b;
  ASSERT_TRUE(sa.SerializeToString(&bytes_a));
  ASSERT_TRUE(sb.SerializeToString(&bytes_b));
  EXPECT_EQ(bytes_a, bytes_b);
}

TEST(InputTimingProbe, TruncatedLastRecord_IsReportedAndWholeRecordsStillCount) {
  TempRoot root("trunc");
  std::string bytes;
  for (int i = 0; i < 5; ++i) {
    bytes += record(1'800'000'000'000'000 + i * 200000, 1, 30, 1);
    bytes += record(1'800'000'000'000'000 + i * 200000 + 80000, 1, 30, 0);
  }
  bytes += record(1'800'000'000'000'000 + 5 * 200000, 1, 30, 1).substr(0, 13);
  root.put("dev/input/event0", bytes);
  InputTimingProbe probe;
  auto s = collect(probe, root.path);
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).path(), "dev/input/event0");
  EXPECT_NE(s.errors(0).message().find("13 left over"), std::string::npos) << s.errors(0).message();
  EXPECT_EQ(s.input_activity().devices(0).key_presses(), 5u);
}

TEST(InputTimingProbe, NodeMissingFromProcButVirtualInSysfs_FallsBackToSysClassInput) {
  TempRoot root("sysfs");
  root.put("dev/input/event9", record(1'800'000'000'000'000, 1, 30, 1));
  root.put("sys/devices/virtual/input/input40/name", "uinput-jiggler\n");
  fs::create_directories(root.path / "sys/class/input");
  fs::create_directories(root.path / "sys/devices/virtual/input/input40/event9");
  fs::create_symlink("../../devices/virtual/input/input40/event9", root.path / "sys/class/input/event9");
  fs::create_symlink("../../input40", root.path / "sys/devices/virtual/input/input40/event9/device");
  InputTimingProbe probe;
  auto s = collect(probe, root.path);
  ASSERT_EQ(s.input_activity().devices_size(), 1);
  EXPECT_TRUE(s.input_activity().devices(0).virtual_device());
  EXPECT_EQ(s.input_activity().devices(0).device(), "uinput-jiggler");
}

TEST(InputTimingProbe, Shed_ReportsShedAndNoDevices) {
  InputTimingProbe probe;
  probe.set_shed(true);
  auto s = collect(probe, kFixtures / "x11vnc-laptop");
  EXPECT_TRUE(s.input_activity().shed());
  EXPECT_EQ(s.input_activity().devices_size(), 0);
}

// A pseudo-terminal is a character device we can feed: it stands in for an
// evdev node to exercise the continuous reader (thread + poll) end to end.
TEST(InputTimingProbe, LiveCharacterDevice_IsReadContinuouslyBetweenCollections) {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const std::string slave_path = ::ptsname(master);
  int keep_open = ::open(slave_path.c_str(), O_RDWR | O_NOCTTY);  // keeps the pty from hanging up
  ASSERT_GE(keep_open, 0);
  termios raw{};
  ::tcgetattr(keep_open, &raw);
  ::cfmakeraw(&raw);
  ::tcsetattr(keep_open, TCSANOW, &raw);

  TempRoot root("live");
  fs::create_symlink(slave_path, root.path / "dev/input/event4");
  {
    InputTimingProbe probe;
    auto first = collect(probe, root.path);  // starts the reader
    ASSERT_EQ(first.input_activity().devices_size(), 1);
    EXPECT_EQ(first.input_activity().devices(0).key_presses(), 0u);
    std::string stream;
    const int64_t t0 = 1'800'000'000'000'000;
    for (int i = 0; i < 50; ++i) {
      stream += record(t0 + i * 20000, 1, 30, 1) + record(t0 + i * 20000, 0, 0, 0);
      stream += record(t0 + i * 20000 + 8000, 1, 30, 0) + record(t0 + i * 20000 + 8000, 0, 0, 0);
    }
    // Written in odd-sized pieces: the reader must reassemble split records.
    for (size_t off = 0; off < stream.size(); off += 1000)
      ASSERT_GT(::write(master, stream.data() + off, std::min<size_t>(1000, stream.size() - off)), 0);
    uint64_t seen = 0;
    for (int i = 0; i < 100 && seen < 50; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      seen = collect(probe, root.path).input_activity().devices(0).key_presses();
    }
    EXPECT_EQ(seen, 50u);
    auto last = collect(probe, root.path);
    EXPECT_DOUBLE_EQ(last.input_activity().devices(0).regular_interval_share(), 1.0);
  }  // the destructor stops and joins the reader; a hang here fails the test by timeout
  ::close(keep_open);
  ::close(master);
}

}  // namespace
