// fuzz-links: telltale_decode
// struct input_event records as read from /dev/input/event* (or replayed from
// a recording): counts and histograms must stay consistent whatever the
// timestamps, codes and values, and memory must stay bounded to a week.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "platform/decode/evdev_timing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using telltale::decode::InputTimingAccumulator;
  std::vector<telltale::decode::InputEvent> events;
  const size_t used = telltale::decode::decode_input_events(std::span<const uint8_t>(data, size), events);
  if (used % telltale::decode::kInputEventSize != 0 || used > size ||
      size - used >= telltale::decode::kInputEventSize || events.size() != used / telltale::decode::kInputEventSize)
    __builtin_trap();

  InputTimingAccumulator acc;
  acc.add(events);
  telltale::v1::DeviceActivity out;
  acc.fill(out);
  if (out.key_presses() > events.size()) __builtin_trap();
  if (static_cast<size_t>(out.buckets_size()) > InputTimingAccumulator::kMaxBuckets) __builtin_trap();
  uint64_t bucket_keys = 0;
  for (int i = 0; i < out.buckets_size(); ++i) {
    const auto& b = out.buckets(i);
    if (b.start_unix() % InputTimingAccumulator::kBucketSeconds != 0) __builtin_trap();
    if (i > 0 && out.buckets(i - 1).start_unix() >= b.start_unix()) __builtin_trap();
    bucket_keys += b.key_events();
  }
  if (bucket_keys > out.key_presses()) __builtin_trap();
  uint64_t intervals = 0;
  for (auto c : out.inter_key_ms().counts()) intervals += c;
  if (intervals >= out.key_presses() + (out.key_presses() == 0 ? 1 : 0)) __builtin_trap();
  if (!(out.regular_interval_share() >= 0.0 && out.regular_interval_share() <= 1.0)) __builtin_trap();
  return 0;
}
