// The heatmap's local-time arithmetic against the real tz database: a week
// that crosses a DST change must keep a 09:00 habit in the 9 o'clock row.
#include "server/console/heatmap.h"

#include <gtest/gtest.h>

namespace {
using telltale::server::console::add_activity;
using telltale::server::console::Heatmap;
using telltale::server::console::load_zone;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;
// 2026-03-05 14:00 UTC = Thursday 09:00 EST. DST starts Sunday 2026-03-08
// at 02:00 EST (07:00 UTC); from then 09:00 EDT is 13:00 UTC.
constexpr int64_t kThu0900Est = 1772719200LL * 1000;
constexpr int64_t kSun0600Utc = 1772949600LL * 1000;
// 2026-11-01 05:00 UTC = Sunday 01:00 EDT; DST ends at 06:00 UTC (02:00 EDT -> 01:00 EST).
constexpr int64_t kNov1_0500Utc = 1793509200LL * 1000;

int weekday_index(const char* name) {
  const char* names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  for (int i = 0; i < 7; ++i)
    if (std::string(names[i]) == name) return i;
  return -1;
}

TEST(Heatmap, NineOClockHabitAcrossSpringForward_StaysInTheNineOClockRow) {
  std::string why;
  auto ny = load_zone("/usr/share/zoneinfo", "America/New_York", &why);
  ASSERT_TRUE(ny) << why;
  Heatmap map;
  // Thu 5th to Wed 11th at 09:00 local: UTC 14:00 before the change, 13:00 after.
  for (int day = 0; day < 7; ++day) {
    const int64_t local_nine = kThu0900Est + day * kDay - (day >= 3 ? kHour : 0);
    add_activity(map, &*ny, local_nine);
  }
  EXPECT_EQ(map.total, 7u);
  for (int wd = 0; wd < 7; ++wd) {
    EXPECT_EQ(map.cells[wd][9], 1u) << "weekday " << wd;
    EXPECT_EQ(map.cells[wd][8], 0u) << "weekday " << wd;  // a fixed UTC-5 would put the EDT days here
  }
}

TEST(Heatmap, SpringForwardNight_SkipsTwoOClock) {
  auto ny = load_zone("/usr/share/zoneinfo", "America/New_York", nullptr);
  ASSERT_TRUE(ny);
  Heatmap map;
  add_activity(map, &*ny, kSun0600Utc + 59 * 60 * 1000 + 59 * 1000);  // 06:59:59 UTC = 01:59:59 EST
  add_activity(map, &*ny, kSun0600Utc + kHour);                        // 07:00 UTC = 03:00 EDT
  const int sun = weekday_index("Sun");
  EXPECT_EQ(map.cells[sun][1], 1u);
  EXPECT_EQ(map.cells[sun][2], 0u);
  EXPECT_EQ(map.cells[sun][3], 1u);
}

TEST(Heatmap, FallBackNight_CountsBothOneOClocks) {
  auto ny = load_zone("/usr/share/zoneinfo", "America/New_York", nullptr);
  ASSERT_TRUE(ny);
  Heatmap map;
  add_activity(map, &*ny, kNov1_0500Utc + 30 * 60 * 1000);          // 01:30 EDT
  add_activity(map, &*ny, kNov1_0500Utc + kHour + 30 * 60 * 1000);  // 01:30 EST, an hour later
  EXPECT_EQ(map.cells[weekday_index("Sun")][1], 2u);
}

TEST(Heatmap, WithoutZone_CountsInUtc) {
  Heatmap map;
  add_activity(map, nullptr, kThu0900Est);  // 14:00 UTC Thursday
  EXPECT_EQ(map.cells[weekday_index("Thu")][14], 1u);
  add_activity(map, nullptr, -1);  // 1969-12-31 23:59:59.999, a Wednesday
  EXPECT_EQ(map.cells[weekday_index("Wed")][23], 1u);
}

TEST(Heatmap, ZoneNames_CannotLeaveTheZoneinfoDirectory) {
  for (const char* name : {"../../etc/passwd", "/etc/localtime", "America/New York", "", "Asia/..", "Europe/Berlin\n"}) {
    std::string why;
    EXPECT_FALSE(load_zone("/usr/share/zoneinfo", name, &why)) << name;
    EXPECT_NE(why.find("zone"), std::string::npos);
  }
  std::string why;
  EXPECT_FALSE(load_zone("/usr/share/zoneinfo", "Mars/Olympus_Mons", &why));
  EXPECT_NE(why.find("cannot read"), std::string::npos) << why;
}

}  // namespace
