#include "server/detect/zones.h"

#include <chrono>

namespace telltale::detect {
namespace {

using namespace std::chrono;

// Seconds since the epoch of `day` at `hour`:00 UTC.
int64_t at(year_month_day day, int hour) {
  return duration_cast<seconds>(sys_days(day).time_since_epoch()).count() + hour * 3600LL;
}

year_month_day nth_sunday(int y, unsigned m, unsigned n) {
  return year_month_day(sys_days(year(y) / month(m) / weekday_indexed(Sunday, n)));
}

year_month_day last_sunday(int y, unsigned m) {
  return year_month_day(sys_days(year(y) / month(m) / weekday_last(Sunday)));
}

bool in_dst(const ZoneInfo& z, int64_t unix_s) {
  int y = static_cast<int>(year_month_day(floor<days>(sys_seconds(seconds(unix_s)))).year());
  if (z.dst == "us") {
    // 02:00 local standard time on the second Sunday of March; 02:00 local
    // daylight time on the first Sunday of November.
    int64_t start = at(nth_sunday(y, 3, 2), 2) - z.std_offset_minutes * 60LL;
    int64_t end = at(nth_sunday(y, 11, 1), 2) - (z.std_offset_minutes + 60) * 60LL;
    return unix_s >= start && unix_s < end;
  }
  if (z.dst == "eu") {
    int64_t start = at(last_sunday(y, 3), 1);
    int64_t end = at(last_sunday(y, 10), 1);
    return unix_s >= start && unix_s < end;
  }
  return false;
}

}  // namespace

int zone_offset_seconds(const ZoneInfo& zone, int64_t unix_ms) {
  int64_t s = unix_ms / 1000;
  return zone.std_offset_minutes * 60 + (in_dst(zone, s) ? 3600 : 0);
}

std::optional<int> zone_offset_seconds(const Catalog& catalog, std::string_view zone, int64_t unix_ms) {
  const ZoneInfo* z = catalog.find_zone(zone);
  if (!z) return std::nullopt;
  return zone_offset_seconds(*z, unix_ms);
}

}  // namespace telltale::detect
