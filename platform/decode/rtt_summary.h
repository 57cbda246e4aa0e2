#pragma once
// Summary statistics of round-trip samples (telltale.v1.RttSummary). Pure, so
// the agent (anchors, collector heartbeats) and the collector share one definition.
#include <cstdint>
#include <vector>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::decode {

// Samples in microseconds, in the order they were taken (jitter depends on order):
// min, median (lower middle for even counts), p95 (nearest rank), max, and
// jitter = mean absolute difference of consecutive samples (RFC 3550's idea without smoothing).
telltale::v1::RttSummary summarize_rtt(const std::vector<uint32_t>& samples_us);

}  // namespace telltale::decode
