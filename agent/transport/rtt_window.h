#pragma once
// Round trips to the collector (heartbeat → pong), summarised once per
// report over the pongs that arrived since the previous report. A rolling
// window of the last 64 samples, which reports used to carry, overlaps from
// one report to the next, so a chart of its p95 was a flat line that hid a
// burst of latency; per-report windows show each burst where it happened.
#include <cstdint>
#include <deque>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::agent {

class RttWindow {
 public:
  // At most this many samples wait for the next report (older ones are dropped
  // first); a report every few minutes with a heartbeat every few seconds fits.
  static constexpr size_t kMaxPending = 512;
  void add(uint32_t rtt_us);
  // The samples since the last take(); samples = 0 when none arrived (a
  // report says "no measurement", not the previous window again).
  telltale::v1::RttSummary take();

 private:
  std::deque<uint32_t> pending_;
};

}  // namespace telltale::agent
