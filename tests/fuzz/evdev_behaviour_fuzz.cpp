// fuzz-links: telltale_decode
// Behaviour counters (issue 17) over arbitrary input_event records: a hostile
// recording in a fixture root or a misbehaving driver. The first two records
// also give the axis ranges (any int32 pair), so extreme ranges and positions
// meet the step arithmetic. Counts must stay consistent, the lid history bounded.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "platform/decode/evdev_behaviour.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace telltale::decode;
  std::vector<InputEvent> events;
  decode_input_events(std::span<const uint8_t>(data, size), events);
  LidTimeline lid;
  InputBehaviourCounters counters(&lid);
  if (events.size() >= 2) {
    counters.set_abs_range(0, events[0].value, events[1].value);
    counters.set_abs_range(1, events[1].value, events[0].value);
  }
  counters.add(events);
  telltale::v1::DeviceActivity out;
  counters.fill(out);
  if (out.burst_intervals() > out.key_intervals() || out.burst_after_gap() > out.burst_intervals()) __builtin_trap();
  if (out.absolute_jumps() > out.absolute_moves() || out.absolute_moves() > out.pointer_reports()) __builtin_trap();
  if (out.events_by_utc_hour_size() != 24) __builtin_trap();
  uint64_t hours = 0;
  for (auto c : out.events_by_utc_hour()) hours += c;
  if (out.key_intervals() > hours || out.pointer_reports() > hours) __builtin_trap();
  if (out.key_presses_lid_closed() + out.pointer_reports_lid_closed() > hours) __builtin_trap();
  if (lid.closed_seconds() < 0 || lid.changes() > events.size()) __builtin_trap();
  return 0;
}
