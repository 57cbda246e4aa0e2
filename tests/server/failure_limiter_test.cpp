// The per-address budget for failed enrollments: a burst, a steady refill,
// and a table that cannot grow without bound when addresses are sprayed.
#include "server/enroll/failure_limiter.h"

#include <gtest/gtest.h>

namespace telltale::server {
namespace {
using namespace std::chrono_literals;

TEST(FailureLimiter, BurstThenOnePerRefill_AndOtherAddressesKeepTheirOwnBudget) {
  FailureLimiter limiter({3, 1000ms, 100});
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.fail("198.51.100.7", t0).throttled);
  auto v = limiter.fail("198.51.100.7", t0);
  EXPECT_TRUE(v.throttled);
  EXPECT_EQ(v.throttled_in_row, 1u);
  EXPECT_EQ(v.retry_after_ms, 1000);
  EXPECT_EQ(limiter.fail("198.51.100.7", t0 + 10ms).throttled_in_row, 2u);
  EXPECT_FALSE(limiter.fail("203.0.113.9", t0).throttled) << "a neighbour's flood is not this address's";
  EXPECT_FALSE(limiter.fail("198.51.100.7", t0 + 1100ms).throttled) << "one more failure per refill";
  EXPECT_TRUE(limiter.fail("198.51.100.7", t0 + 1200ms).throttled);
}

TEST(FailureLimiter, SprayedAddresses_TableStaysBounded_NewcomersShareOneBudget) {
  FailureLimiter limiter({2, 60000ms, 64});
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  int throttled = 0;
  for (int i = 0; i < 10000; ++i)
    throttled += limiter.fail("2001:db8::" + std::to_string(i), t0).throttled;
  EXPECT_LE(limiter.tracked(), 65u);
  EXPECT_GT(throttled, 9000) << "beyond the table, sprayed addresses share one budget";
  // Once buckets have refilled they are forgotten, and room is made again.
  EXPECT_FALSE(limiter.fail("192.0.2.1", t0 + 1h).throttled);
}

TEST(FailureLimiter, AddressOfGrpcPeer_DropsScheme_AndPort) {
  EXPECT_EQ(FailureLimiter::address_of("ipv4:10.1.2.3:5555"), "10.1.2.3");
  EXPECT_EQ(FailureLimiter::address_of("ipv6:[::1]:5555"), "[::1]");
  EXPECT_EQ(FailureLimiter::address_of("unix:/run/x.sock"), "/run/x.sock");
}

}  // namespace
}  // namespace telltale::server
