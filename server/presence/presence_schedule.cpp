#include "server/presence/presence_schedule.h"

#include <algorithm>
#include <cstdio>

namespace telltale::server {
namespace {

// "A-B" with lo <= A, B <= hi; hours need A < B, weekdays A <= B.
bool parse_range(const std::string& text, int lo, int hi, bool allow_equal, int& first, int& last) {
  int a = 0, b = 0, used = 0;
  char dash = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%n", &a, &dash, &b, &used) != 3 || dash != '-' ||
      used != static_cast<int>(text.size()))
    return false;
  if (a < lo || b > hi || a > b || (a == b && !allow_equal)) return false;
  first = a;
  last = b;
  return true;
}

}  // namespace

std::optional<std::string> parse_working_hours(const std::string& text, PresenceSchedule& schedule) {
  if (!parse_range(text, 0, 24, false, schedule.start_hour, schedule.end_hour))
    return "--presence-working-hours \"" + text + "\": expected START-END in local hours, 0 <= START < END <= 24 (e.g. 9-17)";
  return std::nullopt;
}

std::optional<std::string> parse_working_days(const std::string& text, PresenceSchedule& schedule) {
  if (!parse_range(text, 1, 7, true, schedule.first_weekday, schedule.last_weekday))
    return "--presence-working-days \"" + text + "\": expected FIRST-LAST ISO weekdays, 1 (Monday) to 7 (Sunday), e.g. 1-5";
  return std::nullopt;
}

bool within_working_hours(const PresenceSchedule& s, int64_t unix_ms, int offset_seconds) {
  const int64_t local_s = unix_ms / 1000 + offset_seconds;
  const int64_t days = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
  const int64_t second_of_day = local_s - days * 86400;
  // 1970-01-01 was a Thursday (ISO 4).
  const int weekday = static_cast<int>(((days + 3) % 7 + 7) % 7) + 1;
  if (weekday < s.first_weekday || weekday > s.last_weekday) return false;
  return second_of_day >= int64_t{s.start_hour} * 3600 && second_of_day < int64_t{s.end_hour} * 3600;
}

double chance_per_pass(const PresenceSchedule& s, int64_t pass_ms) {
  const double working_ms =
      double(s.last_weekday - s.first_weekday + 1) * double(s.end_hour - s.start_hour) * 3600e3;
  if (s.per_week <= 0 || working_ms <= 0) return 0;
  return std::min(1.0, s.per_week * double(pass_ms) / working_ms);
}

}  // namespace telltale::server
