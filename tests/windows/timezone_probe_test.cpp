// Windows time zone names to IANA, as Windows machines report them.
#include <gtest/gtest.h>

#include "platform/windows/timezone.h"
#include "recorded_sources.h"

namespace {

using namespace telltale::platform::windows_probe;

TEST(WindowsTimezoneProbe, KoreaStandardTime_IsSeoulNineHoursAhead) {
  telltale::testing::RecordedTimeZone tz({"Korea Standard Time", "KR", -540, false, ""});
  telltale::v1::Snapshot s;
  TimezoneProbe(tz).collect({}, s);
  EXPECT_EQ(s.time().iana_zone(), "Asia/Seoul");
  EXPECT_EQ(s.time().utc_offset_seconds(), 9 * 3600);
  EXPECT_FALSE(s.time().dst());
  EXPECT_GT(s.time().agent_clock_unix_ms(), 0);
}

TEST(WindowsTimezoneProbe, WEuropeInSwitzerlandInSummer_IsZurichWithDst) {
  telltale::testing::RecordedTimeZone tz({"W. Europe Standard Time", "CH", -120, true, ""});
  telltale::v1::Snapshot s;
  TimezoneProbe(tz).collect({}, s);
  EXPECT_EQ(s.time().iana_zone(), "Europe/Zurich");
  EXPECT_EQ(s.time().utc_offset_seconds(), 7200);
  EXPECT_TRUE(s.time().dst());
}

TEST(WindowsTimezoneProbe, NameCldrDoesNotKnow_IsAnError) {
  telltale::testing::RecordedTimeZone tz({"Atlantis Standard Time", "", 0, false, ""});
  telltale::v1::Snapshot s;
  TimezoneProbe(tz).collect({}, s);
  EXPECT_EQ(s.time().iana_zone(), "");
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).message(), "time zone \"Atlantis Standard Time\" is not in CLDR's windowsZones");
}

TEST(WindowsTimezoneProbe, LiveCallUnderWine_NamesAZoneCldrKnows) {
  SystemTimeZone live;
  const auto tz = live.current();
  ASSERT_EQ(tz.error, "");
  EXPECT_FALSE(tz.key_name.empty());
}

}  // namespace
