#pragma once
// Proleptic Gregorian dates from and to days since 1970-01-01 (Howard
// Hinnant's algorithms), so time-zone rules and month partitions need no
// time zone database and no locale.
#include <cstdint>

namespace telltale {

struct CivilDate {
  int64_t year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
};

int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
CivilDate civil_from_days(int64_t days);

}  // namespace telltale
