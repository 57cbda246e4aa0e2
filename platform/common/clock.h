#pragma once
// The clock is a boundary: spool ages, backoff and heartbeats read it through
// this interface so tests can move time without sleeping.
#include <chrono>
#include <cstdint>

namespace telltale {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_unix_ms() const = 0;          // wall clock, may jump
  virtual uint64_t monotonic_us() const = 0;        // never goes back
};

class SystemClock final : public Clock {
 public:
  int64_t now_unix_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  uint64_t monotonic_us() const override {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
  }
  static const SystemClock& instance() {
    static SystemClock clock;
    return clock;
  }
};

}  // namespace telltale
