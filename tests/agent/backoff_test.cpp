#include "agent/transport/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace telltale::agent {
namespace {

TEST(Backoff, GrowsExponentiallyUpToTheCapWithJitter) {
  Backoff b(std::chrono::milliseconds(1000), std::chrono::milliseconds(60000), 42);
  int64_t max_seen = 0;
  for (int i = 0; i < 40; ++i) {
    auto d = b.next().count();
    EXPECT_GE(d, 50);
    EXPECT_LE(d, 60000);
    if (i < 3) EXPECT_LE(d, 1000 << i);
    max_seen = std::max(max_seen, d);
  }
  EXPECT_GT(max_seen, 20000) << "after many failures the waits reach toward the cap";
}

TEST(Backoff, ThousandsOfAgentsDoNotReconnectInLockStep) {
  std::set<int64_t> delays;
  for (uint64_t agent = 0; agent < 1000; ++agent) {
    Backoff b(std::chrono::milliseconds(1000), std::chrono::milliseconds(300000), agent);
    for (int i = 0; i < 8; ++i) b.next();
    delays.insert(b.next().count());
  }
  EXPECT_GT(delays.size(), 900u);
}

TEST(Backoff, ResetStartsFromTheBottom) {
  Backoff b(std::chrono::milliseconds(1000), std::chrono::milliseconds(300000), 7);
  for (int i = 0; i < 10; ++i) b.next();
  b.reset();
  EXPECT_LE(b.next().count(), 1000);
}

}  // namespace
}  // namespace telltale::agent
