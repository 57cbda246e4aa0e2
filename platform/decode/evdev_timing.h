#pragma once
// Timing of evdev input events (struct input_event, linux/input.h) reduced to
// counts and histograms. Key codes are used only to pair a press with its
// release and are never stored beyond that pairing: what comes out of this
// class is identical for any relabelling of the keys (tested).
#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::decode {

// struct input_event on 64-bit Linux: struct timeval (2 × 8 bytes), __u16 type, __u16 code, __s32 value.
constexpr size_t kInputEventSize = 24;

struct InputEvent {
  int64_t sec = 0;
  int64_t usec = 0;
  uint16_t type = 0;
  uint16_t code = 0;
  int32_t value = 0;
};

// Decodes whole records; the return value is the number of bytes consumed
// (a multiple of 24; the caller reports a remainder as a truncated record).
size_t decode_input_events(std::span<const uint8_t> bytes, std::vector<InputEvent>& out);
// The 24 bytes the kernel writes for one event (for recordings, tests and benchmarks).
std::string encode_input_event(const InputEvent& e);

class InputTimingAccumulator {
 public:
  static constexpr std::array<uint32_t, 13> kInterKeyBoundsMs = {10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000};
  static constexpr std::array<uint32_t, 11> kHoldBoundsMs = {10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000};
  static constexpr int64_t kBucketSeconds = 900;
  static constexpr size_t kMaxBuckets = 7 * 96;  // a week of 15-minute buckets; older ones are dropped
  // Events stamped after 9999-12-31 or before 1970 are ignored.
  static constexpr int64_t kMaxEventSeconds = 253402300799;

  InputTimingAccumulator();
  void add(const InputEvent& e);
  void add(std::span<const InputEvent> events) {
    for (const auto& e : events) add(e);
  }
  // Fills buckets, histograms, regular share and key_presses (not name/node/virtual).
  void fill(telltale::v1::DeviceActivity& out) const;
  uint64_t key_presses() const { return key_presses_; }

 private:
  struct Bucket {
    uint64_t keys = 0;
    uint64_t pointer = 0;
  };
  Bucket& bucket_for(int64_t sec);

  static constexpr size_t kKeyCount = 0x300;  // KEY_CNT
  std::array<int64_t, kKeyCount> pressed_at_us_;  // -1 when up
  std::map<int64_t, Bucket> buckets_;
  Bucket discarded_;  // where events older than a full week of buckets go
  std::array<uint64_t, kInterKeyBoundsMs.size() + 1> inter_key_{};
  std::array<uint64_t, kHoldBoundsMs.size() + 1> hold_{};
  int64_t last_press_us_ = -1;
  int64_t last_interval_us_ = -1;
  uint64_t intervals_compared_ = 0;
  uint64_t regular_intervals_ = 0;
  uint64_t key_presses_ = 0;
  bool pointer_in_frame_ = false;
  int64_t frame_sec_ = 0;
};

}  // namespace telltale::decode
