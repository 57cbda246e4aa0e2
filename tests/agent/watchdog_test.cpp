#include "agent/collect/watchdog.h"

#include <gtest/gtest.h>

namespace telltale::agent {
namespace {

TEST(Watchdog, ShedsInputTimingOverBudgetAndResumesOnlyWellUnderIt) {
  Watchdog w({10 << 20, 1.0});
  EXPECT_FALSE(w.update(5 << 20, 0.1));
  EXPECT_TRUE(w.update(12 << 20, 0.1)) << "over the RSS budget";
  EXPECT_EQ(w.shed_work(), std::vector<std::string>{"input_timing"});
  EXPECT_TRUE(w.update(9 << 20, 0.1)) << "just under the budget: no flapping";
  EXPECT_FALSE(w.update(7 << 20, 0.1)) << "well under: resume";
  EXPECT_TRUE(w.update(5 << 20, 1.5)) << "over the CPU budget";
  EXPECT_TRUE(w.shed_work().size() == 1);
}

}  // namespace
}  // namespace telltale::agent
