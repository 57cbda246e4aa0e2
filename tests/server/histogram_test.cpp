#include "server/metrics/histogram.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace telltale::server::metrics {
namespace {

TEST(Histogram, BucketsAreCumulativeWithInfSumAndCount) {
  Histogram h;
  h.observe(0.00005);  // first bucket
  h.observe(0.003);    // le=0.005
  h.observe(0.003);
  h.observe(100);      // beyond the last bound: +Inf only
  const auto text = h.text("x_seconds", "help text");
  EXPECT_NE(text.find("# TYPE x_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.0001\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.0025\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"0.005\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"30\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_count 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_seconds_sum 100.006"), std::string::npos) << text;
}

TEST(Histogram, QuantileIsTheUpperBoundOfTheBucketHoldingIt) {
  Histogram h;
  EXPECT_EQ(h.quantile(0.5), 0);
  for (int i = 0; i < 90; ++i) h.observe(0.0008);
  for (int i = 0; i < 10; ++i) h.observe(0.2);
  EXPECT_DOUBLE_EQ(h.quantile(0.5), 0.001);
  EXPECT_DOUBLE_EQ(h.quantile(0.99), 0.25);
}

TEST(Histogram, ConcurrentObservationsAreAllCounted) {
  Histogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) h.observe(0.001 * (i % 7));
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.count(), 40000u);
}

}  // namespace
}  // namespace telltale::server::metrics
