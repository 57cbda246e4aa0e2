#pragma once
#include <chrono>

#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// TCP connect time to each ctx.latency_anchors endpoint ("host:port",
// "[v6]:port"): a few connects per anchor, each closed at once, summarised as
// min / median / p95 / max / jitter. Bounded: a per-connect timeout and a
// budget for the whole collection; a connect that fails or times out counts
// as a failure. Fills latency.anchors (the agent owns latency.collector).
class LatencyAnchorsProbe final : public Probe {
 public:
  struct Limits {
    int connects_per_anchor = 5;
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds total_budget{8000};
    size_t max_anchors = 16;
  };
  LatencyAnchorsProbe() = default;
  explicit LatencyAnchorsProbe(Limits limits) : limits_(limits) {}
  std::string_view name() const override { return "latency_anchors"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;

 private:
  Limits limits_;
};

}  // namespace telltale::platform::linux_probe
