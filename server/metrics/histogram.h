#pragma once
// A Prometheus histogram with fixed bounds, safe to observe from any thread
// without a lock (the ingest writer and gRPC threads observe; /metrics reads).
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace telltale::server::metrics {

class Histogram {
 public:
  // Upper bounds in seconds, from 100 µs to 30 s: the ack path spans a
  // loopback fsync (~1 ms) to a saturated queue (seconds).
  static constexpr std::array<double, 16> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,     30};

  void observe(double seconds) {
    size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    // The sum is kept in microseconds so it can be an integer atomic.
    sum_us_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  }

  uint64_t count() const {
    uint64_t n = 0;
    for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
    return n;
  }

  // The value below which a share q of observations fall, at bucket resolution
  // (the upper bound of the bucket that holds it); 0 when empty.
  double quantile(double q) const {
    const uint64_t n = count();
    if (n == 0) return 0;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i].load(std::memory_order_relaxed);
      if (static_cast<double>(seen) >= q * static_cast<double>(n)) return i < kBounds.size() ? kBounds[i] : kBounds.back();
    }
    return kBounds.back();
  }

  // Text exposition format: cumulative buckets, +Inf, _sum, _count.
  std::string text(const std::string& name, const std::string& help) const {
    std::string out = "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      cumulative += counts_[i].load(std::memory_order_relaxed);
      std::string le = i < kBounds.size() ? format(kBounds[i]) : "+Inf";
      out += name + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += name + "_sum " + format(static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6) + "\n";
    out += name + "_count " + std::to_string(cumulative) + "\n";
    return out;
  }

 private:
  static std::string format(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
  }
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<uint64_t> sum_us_{0};
};

}  // namespace telltale::server::metrics
