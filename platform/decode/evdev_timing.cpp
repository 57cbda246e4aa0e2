#include "platform/decode/evdev_timing.h"

#include <algorithm>
#include <cstring>

namespace telltale::decode {
namespace {

constexpr uint16_t kEvSyn = 0x00, kEvKey = 0x01, kEvRel = 0x02, kEvAbs = 0x03;
constexpr uint16_t kSynReport = 0;
constexpr uint16_t kFirstButton = 0x100;  // BTN_MISC: codes below are keyboard keys

template <size_t N>
void count(std::array<uint64_t, N + 1>& counts, const std::array<uint32_t, N>& bounds, int64_t value_us) {
  // counts[i] holds values <= bounds[i] ms (and > bounds[i-1]); the last is overflow.
  const auto it = std::lower_bound(bounds.begin(), bounds.end(), value_us, [](uint32_t bound, int64_t v) {
    return int64_t{bound} * 1000 < v;
  });
  ++counts[static_cast<size_t>(it - bounds.begin())];
}

}  // namespace

size_t decode_input_events(std::span<const uint8_t> bytes, std::vector<InputEvent>& out) {
  const size_t whole = bytes.size() / kInputEventSize;
  out.reserve(out.size() + whole);
  for (size_t i = 0; i < whole; ++i) {
    const uint8_t* p = bytes.data() + i * kInputEventSize;
    InputEvent e;
    // Little-endian fields as x86_64 and arm64 write them.
    std::memcpy(&e.sec, p, 8);
    std::memcpy(&e.usec, p + 8, 8);
    std::memcpy(&e.type, p + 16, 2);
    std::memcpy(&e.code, p + 18, 2);
    std::memcpy(&e.value, p + 20, 4);
    out.push_back(e);
  }
  return whole * kInputEventSize;
}

std::string encode_input_event(const InputEvent& e) {
  std::string r(kInputEventSize, '\0');
  std::memcpy(r.data(), &e.sec, 8);
  std::memcpy(r.data() + 8, &e.usec, 8);
  std::memcpy(r.data() + 16, &e.type, 2);
  std::memcpy(r.data() + 18, &e.code, 2);
  std::memcpy(r.data() + 20, &e.value, 4);
  return r;
}

InputTimingAccumulator::InputTimingAccumulator() { pressed_at_us_.fill(-1); }

InputTimingAccumulator::Bucket& InputTimingAccumulator::bucket_for(int64_t sec) {
  const int64_t start = sec - sec % kBucketSeconds;  // sec >= 0: add() drops the rest
  auto it = buckets_.find(start);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxBuckets) {
      // Full, and this quarter hour is older than every kept one (the wall
      // clock evdev stamps with was set back): count it nowhere rather than
      // evict a newer bucket for it.
      if (start < buckets_.begin()->first) {
        discarded_ = {};
        return discarded_;
      }
      buckets_.erase(buckets_.begin());
    }
    it = buckets_.emplace(start, Bucket{}).first;
  }
  return it->second;
}

void InputTimingAccumulator::add(const InputEvent& e) {
  // The kernel stamps events with a timeval of the wall clock; anything else
  // (a corrupt recording, a hostile file in a fixture root) is not an event
  // and would overflow the microsecond arithmetic below.
  if (e.sec < 0 || e.sec > kMaxEventSeconds || e.usec < 0 || e.usec >= 1000000) return;
  const int64_t t_us = e.sec * 1000000 + e.usec;
  switch (e.type) {
    case kEvKey:
      if (e.code >= kFirstButton) {
        pointer_in_frame_ = true;  // mouse / touch buttons are pointer reports
        frame_sec_ = e.sec;
        break;
      }
      if (e.value == 1) {  // press; 2 is autorepeat, not a new press
        ++key_presses_;
        ++bucket_for(e.sec).keys;
        if (last_press_us_ >= 0 && t_us >= last_press_us_) {
          const int64_t interval = t_us - last_press_us_;
          count(inter_key_, kInterKeyBoundsMs, interval);
          if (last_interval_us_ >= 0) {
            ++intervals_compared_;
            if (std::abs(interval - last_interval_us_) <= 1000) ++regular_intervals_;
          }
          last_interval_us_ = interval;
        }
        last_press_us_ = t_us;
        pressed_at_us_[e.code] = t_us;
      } else if (e.value == 0) {
        int64_t& down = pressed_at_us_[e.code];
        if (down >= 0 && t_us >= down) count(hold_, kHoldBoundsMs, t_us - down);
        down = -1;
      }
      break;
    case kEvRel:
    case kEvAbs:
      pointer_in_frame_ = true;
      frame_sec_ = e.sec;
      break;
    case kEvSyn:
      if (e.code == kSynReport && pointer_in_frame_) {
        ++bucket_for(frame_sec_).pointer;
        pointer_in_frame_ = false;
      }
      break;
    default:
      break;
  }
}

void InputTimingAccumulator::fill(telltale::v1::DeviceActivity& out) const {
  out.clear_buckets();
  for (const auto& [start, b] : buckets_) {
    auto* bucket = out.add_buckets();
    bucket->set_start_unix(start);
    bucket->set_key_events(b.keys);
    bucket->set_pointer_events(b.pointer);
  }
  auto* inter = out.mutable_inter_key_ms();
  inter->Clear();
  for (auto b : kInterKeyBoundsMs) inter->add_bounds_ms(b);
  for (auto c : inter_key_) inter->add_counts(c);
  auto* hold = out.mutable_hold_ms();
  hold->Clear();
  for (auto b : kHoldBoundsMs) hold->add_bounds_ms(b);
  for (auto c : hold_) hold->add_counts(c);
  out.set_regular_interval_share(intervals_compared_ == 0 ? 0.0
                                                          : static_cast<double>(regular_intervals_) /
                                                                static_cast<double>(intervals_compared_));
  out.set_key_presses(key_presses_);
}

}  // namespace telltale::decode
