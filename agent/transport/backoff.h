#pragma once
// Exponential backoff with full jitter (AWS architecture blog's "full
// jitter"): after a collector outage, thousands of agents must not reconnect
// in lock-step and knock it over again.
#include <chrono>
#include <cstdint>
#include <random>

namespace telltale::agent {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed = std::random_device{}())
      : base_(base), cap_(cap), rng_(seed) {}

  // The next delay: uniform in [0, min(cap, base × 2^attempt)], at least 50 ms.
  std::chrono::milliseconds next();
  void reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds base_, cap_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace telltale::agent
