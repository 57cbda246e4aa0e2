// Windows zone names → IANA with the table generated from CLDR at build time.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "platform/decode/windows_zones.h"

namespace {

using telltale::decode::iana_zone_for_windows;

TEST(WindowsZones, WEuropeStandardTime_IsBerlinByDefaultAndZurichInSwitzerland) {
  EXPECT_EQ(iana_zone_for_windows("W. Europe Standard Time"), "Europe/Berlin");
  EXPECT_EQ(iana_zone_for_windows("W. Europe Standard Time", "CH"), "Europe/Zurich");
}

TEST(WindowsZones, KoreaStandardTime_IsSeoul) { EXPECT_EQ(iana_zone_for_windows("Korea Standard Time"), "Asia/Seoul"); }

TEST(WindowsZones, TerritoryWithSeveralZones_TakesCldrsFirst) {
  // CLDR lists "America/New_York America/Detroit …" for US Eastern.
  EXPECT_EQ(iana_zone_for_windows("Eastern Standard Time", "US"), "America/New_York");
}

TEST(WindowsZones, TerritoryCldrDoesNotList_FallsBackToTheDefault) {
  EXPECT_EQ(iana_zone_for_windows("Korea Standard Time", "ZZ"), "Asia/Seoul");
}

TEST(WindowsZones, UnknownName_IsNullopt) {
  EXPECT_EQ(iana_zone_for_windows("Nowhere Standard Time"), std::nullopt);
  EXPECT_EQ(iana_zone_for_windows("korea standard time"), std::nullopt);
}

TEST(WindowsZones, GeneratedTable_HasEveryCldrRowOnceWithAZone) {
  const auto* begin = telltale::decode::windows_zones_begin();
  const auto n = telltale::decode::windows_zone_count();
  ASSERT_GT(n, 300u);
  size_t defaults = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j)
      EXPECT_FALSE(begin[j].windows == begin[i].windows && begin[j].territory == begin[i].territory) << begin[i].windows;
    if (begin[i].territory == "001") ++defaults;
    EXPECT_FALSE(begin[i].iana.empty()) << begin[i].windows;
  }
  EXPECT_GT(defaults, 130u);
}

}  // namespace
