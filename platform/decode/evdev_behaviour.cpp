#include "platform/decode/evdev_behaviour.h"

#include <algorithm>
#include <cstdlib>

namespace telltale::decode {
namespace {

constexpr uint16_t kEvSyn = 0x00, kEvKey = 0x01, kEvRel = 0x02, kEvAbs = 0x03, kEvSw = 0x05;
constexpr uint16_t kSynReport = 0, kSynDropped = 3;
constexpr uint16_t kSwLid = 0x00;
constexpr uint16_t kAbsX = 0x00, kAbsY = 0x01, kAbsMtTrackingId = 0x39;
constexpr uint16_t kFirstButton = 0x100;                    // BTN_MISC: codes below are keyboard keys
constexpr uint16_t kFirstTool = 0x140, kLastTool = 0x14f;   // BTN_TOOL_PEN … BTN_TOUCH … BTN_TOOL_QUADTAP

}  // namespace

void LidTimeline::record(int64_t t_us, bool closed) {
  // Repeats (the state re-sent on resume) are not changes.
  auto pos = std::upper_bound(changes_.begin(), changes_.end(), t_us,
                              [](int64_t t, const auto& c) { return t < c.first; });
  if (pos != changes_.begin() && std::prev(pos)->second == closed) return;
  changes_.insert(pos, {t_us, closed});
  ++changes_seen_;
  if (changes_.size() > kMaxChanges) changes_.erase(changes_.begin());
}

std::optional<bool> LidTimeline::closed_at(int64_t t_us) const {
  if (changes_.empty()) return fallback_;
  // Events arrive in time order almost always: check the newest change first.
  if (t_us >= changes_.back().first) return changes_.back().second;
  auto pos = std::upper_bound(changes_.begin(), changes_.end(), t_us,
                              [](int64_t t, const auto& c) { return t < c.first; });
  if (pos == changes_.begin()) return !changes_.front().second;
  return std::prev(pos)->second;
}

int64_t LidTimeline::closed_seconds() const {
  int64_t us = 0;
  for (size_t i = 0; i + 1 < changes_.size(); ++i)
    if (changes_[i].second) us += changes_[i + 1].first - changes_[i].first;
  return us / 1000000;
}

void LidTimeline::fill(telltale::v1::LidState& out) const {
  out.set_switch_changes(changes_seen_);
  out.set_closed_seconds(closed_seconds());
}

void InputBehaviourCounters::set_abs_range(uint16_t axis, int32_t min, int32_t max) {
  if (axis > kAbsY) return;
  axes_[axis].range = max > min ? int64_t{max} - int64_t{min} : 0;
}

void InputBehaviourCounters::count_input(int64_t sec, int64_t t_us, bool key) {
  ++by_hour_[static_cast<size_t>((sec / 3600) % 24)];
  if (!lid_) return;
  if (lid_->closed_at(t_us).value_or(false)) ++(key ? key_lid_closed_ : pointer_lid_closed_);
}

void InputBehaviourCounters::end_frame(int64_t sec, int64_t t_us) {
  ++pointer_reports_;
  count_input(sec, t_us, false);
  auto& x = axes_[kAbsX];
  auto& y = axes_[kAbsY];
  if (x.changed || y.changed) {
    // A move needs a position before it on both axes; a new finger or pen
    // contact lands wherever it lands and is no move at all.
    const bool moved_from_known = (x.changed ? x.known : true) && (y.changed ? y.known : true) && (x.known || y.known);
    if (moved_from_known && !contact_began_) {
      ++absolute_moves_;
      bool jump = false;
      for (const auto* a : {&x, &y})
        if (a->changed && a->range > 0 &&
            static_cast<double>(std::llabs(int64_t{a->value} - int64_t{a->previous})) >=
                kJumpShareOfRange * static_cast<double>(a->range))
          jump = true;
      if (jump) ++absolute_jumps_;
    }
    for (auto* a : {&x, &y})
      if (a->changed) a->known = true;
  }
  x.changed = y.changed = false;
  contact_began_ = false;
  pointer_in_frame_ = false;
}

void InputBehaviourCounters::add(const InputEvent& e) {
  // Same validity rule as the timing accumulator: a kernel timeval or nothing.
  if (e.sec < 0 || e.sec > InputTimingAccumulator::kMaxEventSeconds || e.usec < 0 || e.usec >= 1000000) return;
  const int64_t t_us = e.sec * 1000000 + e.usec;
  switch (e.type) {
    case kEvKey:
      if (e.code >= kFirstButton) {
        pointer_in_frame_ = true;
        if (e.code >= kFirstTool && e.code <= kLastTool && e.value == 1) contact_began_ = true;
        break;
      }
      if (e.value != 1) break;  // releases and autorepeat
      count_input(e.sec, t_us, true);
      if (last_press_us_ >= 0 && t_us >= last_press_us_) {
        const int64_t interval = t_us - last_press_us_;
        ++key_intervals_;
        if (interval < kBurstUs) {
          ++burst_intervals_;
          if (last_interval_us_ >= kStallUs) ++burst_after_gap_;
        }
        last_interval_us_ = interval;
      }
      last_press_us_ = t_us;
      break;
    case kEvRel:
      pointer_in_frame_ = true;
      break;
    case kEvAbs:
      pointer_in_frame_ = true;
      if (e.code == kAbsMtTrackingId && e.value >= 0) contact_began_ = true;
      if (e.code == kAbsX || e.code == kAbsY) {
        auto& a = axes_[e.code];
        if (!a.changed) a.previous = a.value;
        a.value = e.value;
        a.changed = true;
      }
      break;
    case kEvSw:
      if (e.code == kSwLid && lid_) lid_->record(t_us, e.value != 0);
      break;
    case kEvSyn:
      if (e.code == kSynReport && pointer_in_frame_) end_frame(e.sec, t_us);
      if (e.code == kSynDropped) {
        // The kernel dropped events: positions are unknown until reported again.
        for (auto& a : axes_) a.known = a.changed = false;
        pointer_in_frame_ = contact_began_ = false;
      }
      break;
    default:
      break;
  }
}

void InputBehaviourCounters::fill(telltale::v1::DeviceActivity& out) const {
  out.set_pointer_reports(pointer_reports_);
  out.set_key_intervals(key_intervals_);
  out.set_burst_intervals(burst_intervals_);
  out.set_burst_after_gap(burst_after_gap_);
  out.set_key_presses_lid_closed(key_lid_closed_);
  out.set_pointer_reports_lid_closed(pointer_lid_closed_);
  out.set_absolute_moves(absolute_moves_);
  out.set_absolute_jumps(absolute_jumps_);
  out.clear_events_by_utc_hour();
  for (auto c : by_hour_) out.add_events_by_utc_hour(c);
}

}  // namespace telltale::decode
