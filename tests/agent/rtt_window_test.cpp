// Each report's collector round trip covers the pongs since the report
// before, so a burst of latency shows in one report's p95 and not in the
// next (the console's RTT chart was a flat line with the rolling window).
#include <gtest/gtest.h>

#include "agent/transport/rtt_window.h"

namespace telltale::agent {
namespace {

TEST(RttWindow, LatencyBurstShowsInItsOwnReportOnly) {
  RttWindow w;
  for (int i = 0; i < 20; ++i) w.add(20000);  // 20 ms, a quiet office link
  auto quiet = w.take();
  for (int i = 0; i < 20; ++i) w.add(i < 5 ? 20000 : 250000);  // a KVM relay kicks in: 250 ms
  auto burst = w.take();
  for (int i = 0; i < 20; ++i) w.add(20000);
  auto after = w.take();
  EXPECT_EQ(quiet.samples(), 20u);
  EXPECT_EQ(quiet.p95_us(), 20000u);
  EXPECT_EQ(burst.p95_us(), 250000u);
  EXPECT_EQ(burst.samples(), 20u);
  // The burst does not linger into the next report's window.
  EXPECT_EQ(after.p95_us(), 20000u);
}

TEST(RttWindow, NoPongSinceTheLastReport_SaysNoSamplesRatherThanRepeatingTheOldWindow) {
  RttWindow w;
  w.add(30000);
  EXPECT_EQ(w.take().samples(), 1u);
  auto empty = w.take();
  EXPECT_EQ(empty.samples(), 0u);
  EXPECT_EQ(empty.p95_us(), 0u);
}

TEST(RttWindow, ALongGapBetweenReports_KeepsTheNewestSamplesUpToTheCap) {
  RttWindow w;
  for (size_t i = 0; i < RttWindow::kMaxPending + 100; ++i) w.add(i < 100 ? 999000 : 10000);
  auto s = w.take();
  EXPECT_EQ(s.samples(), RttWindow::kMaxPending);
  EXPECT_EQ(s.max_us(), 10000u);  // the oldest (999 ms) went first
}

}  // namespace
}  // namespace telltale::agent
