// Civil dates against the C library's own calendar (timegm/gmtime_r) over
// 1900-2200, leap years and the days before 1970 included.
#include <gtest/gtest.h>

#include <ctime>

#include "platform/common/civil_date.h"

namespace telltale {
namespace {

TEST(CivilDate, EveryDayFrom1900To2200_AgreesWithGmtime) {
  const int64_t first = days_from_civil(1900, 1, 1), last = days_from_civil(2200, 12, 31);
  ASSERT_EQ(first, -25567);
  for (int64_t day = first; day <= last; ++day) {
    const time_t t = static_cast<time_t>(day * 86400);
    struct tm tm {};
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    const CivilDate d = civil_from_days(day);
    ASSERT_EQ(d.year, tm.tm_year + 1900) << day;
    ASSERT_EQ(d.month, static_cast<unsigned>(tm.tm_mon + 1)) << day;
    ASSERT_EQ(d.day, static_cast<unsigned>(tm.tm_mday)) << day;
    ASSERT_EQ(days_from_civil(d.year, d.month, d.day), day);
  }
  EXPECT_EQ(civil_from_days(days_from_civil(2024, 2, 29)).day, 29u);
  EXPECT_EQ(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28), 1);  // 2100 is no leap year
}

}  // namespace
}  // namespace telltale
