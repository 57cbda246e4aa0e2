#pragma once
// A token bucket per source address for failed enrollments: an address may
// fail `burst` times at once and then once per `refill` interval; beyond
// that its failures are answered RESOURCE_EXHAUSTED. Only failures spend
// tokens, so a laptop with a valid token enrolls even from an office NAT
// whose other machine floods (the token check before it costs microseconds).
//
// Memory is bounded: at most max_addresses buckets. When the table is full,
// buckets that have refilled completely (they remember nothing) are dropped;
// if it is still full, new addresses share one overflow bucket, so spraying
// source addresses throttles the sprayer as a whole instead of growing the
// table.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace telltale::server {

struct FailureLimits {
  double burst = 20;                                 // failures allowed at once
  std::chrono::milliseconds refill{1000};            // one more failure allowed per refill
  size_t max_addresses = 4096;
};

class FailureLimiter {
 public:
  explicit FailureLimiter(FailureLimits limits = {}) : limits_(limits) {}

  struct Verdict {
    bool throttled = false;
    uint64_t throttled_in_row = 0;  // refusals of this address since its last allowed failure
    int64_t retry_after_ms = 0;
  };
  // Records one failure from `address` at `now`.
  Verdict fail(const std::string& address, std::chrono::steady_clock::time_point now);
  // True while `address` has no failure left (its next failure would be
  // refused); spends nothing.
  bool exhausted(const std::string& address, std::chrono::steady_clock::time_point now);
  size_t tracked() const;

  // "ipv4:10.1.2.3:5555" → "10.1.2.3", "ipv6:[::1]:5555" → "[::1]".
  static std::string address_of(const std::string& grpc_peer);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point updated;
    uint64_t throttled_in_row = 0;
  };
  void top_up(Bucket& b, std::chrono::steady_clock::time_point now) const;

  FailureLimits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace telltale::server
