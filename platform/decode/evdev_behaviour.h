#pragma once
// What an input device's event stream says about where the input comes from,
// reduced to counts: clumped key delivery (network jitter), absolute pointer
// teleports (KVM web clients send positions, not paths), input while the lid
// is closed, and input per UTC hour of day. Like the timing accumulator, the
// output is the same for any relabelling of keys and any translation of the
// pointer inside its range: no key code or coordinate is kept.
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "platform/decode/evdev_timing.h"
#include "telltale/v1/snapshot.pb.h"

namespace telltale::decode {

// The lid's state over time from the lid switch's SW_LID events. The kernel
// reports changes only, so before the first event the lid was in the other
// state; without any event the state read from proc/acpi (if any) holds.
class LidTimeline {
 public:
  static constexpr size_t kMaxChanges = 4096;  // months of docking and undocking; older ones are dropped

  void record(int64_t t_us, bool closed);
  void set_current(bool closed) { fallback_ = closed; }
  std::optional<bool> closed_at(int64_t t_us) const;
  uint64_t changes() const { return changes_seen_; }
  int64_t closed_seconds() const;
  void fill(telltale::v1::LidState& out) const;

 private:
  std::deque<std::pair<int64_t, bool>> changes_;  // ascending time; the oldest goes first when full
  std::optional<bool> fallback_;
  uint64_t changes_seen_ = 0;
};

class InputBehaviourCounters {
 public:
  static constexpr int64_t kBurstUs = 3000;        // below one poll of a 125 Hz keyboard, above a gadget's 1 ms
  static constexpr int64_t kStallUs = 30000;       // an interval this long before a burst: a held-back batch
  static constexpr double kJumpShareOfRange = 0.25;

  // The lid timeline is shared by all devices of a probe and may be null.
  explicit InputBehaviourCounters(LidTimeline* lid = nullptr) : lid_(lid) {}
  void set_lid(LidTimeline* lid) { lid_ = lid; }
  // Axis ranges (EVIOCGABS on a live device; the observed extent for a
  // recording). Without a range no jump is judged.
  void set_abs_range(uint16_t axis, int32_t min, int32_t max);
  void add(const InputEvent& e);
  void add(std::span<const InputEvent> events) {
    for (const auto& e : events) add(e);
  }
  void fill(telltale::v1::DeviceActivity& out) const;

  uint64_t absolute_moves() const { return absolute_moves_; }

 private:
  struct Axis {
    int64_t range = 0;
    int32_t value = 0;
    bool known = false;     // a position was reported before
    bool changed = false;   // in the current frame
    int32_t previous = 0;   // position before this frame
  };
  void count_input(int64_t sec, int64_t t_us, bool key);
  void end_frame(int64_t sec, int64_t t_us);

  LidTimeline* lid_;
  std::array<Axis, 2> axes_{};  // ABS_X, ABS_Y
  bool pointer_in_frame_ = false;
  bool contact_began_ = false;
  int64_t last_press_us_ = -1;
  int64_t last_interval_us_ = -1;
  uint64_t key_intervals_ = 0, burst_intervals_ = 0, burst_after_gap_ = 0;
  uint64_t pointer_reports_ = 0, key_lid_closed_ = 0, pointer_lid_closed_ = 0;
  uint64_t absolute_moves_ = 0, absolute_jumps_ = 0;
  std::array<uint64_t, 24> by_hour_{};
};

}  // namespace telltale::decode
