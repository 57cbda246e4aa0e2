#pragma once
// Routine presence checks at random times within the assignee's working
// hours (issue 20). Each pass of the dispatcher starts a check on a
// connected laptop with a small chance, so checks arrive as a Poisson
// process at `per_week` on average: no time of day or week is predictable,
// nothing has to be stored ahead, and with several collectors only the one
// holding the laptop's stream can start its check.
#include <cstdint>
#include <optional>
#include <string>

namespace telltale::server {

struct PresenceSchedule {
  double per_week = 0;       // 0: no routine checks
  int start_hour = 9;        // local time, [start_hour, end_hour)
  int end_hour = 17;
  int first_weekday = 1;     // ISO: 1 Monday … 7 Sunday, inclusive
  int last_weekday = 5;
  std::string action = "key";
  std::string reason = "a routine check that this laptop is used in person";
};

// "9-17" (hours, local) and "1-5" (ISO weekdays) as given on the command
// line; the error names the option and what was wrong.
std::optional<std::string> parse_working_hours(const std::string& text, PresenceSchedule& schedule);
std::optional<std::string> parse_working_days(const std::string& text, PresenceSchedule& schedule);

// Whether unix_ms is inside working hours for someone whose clock is
// offset_seconds east of UTC.
bool within_working_hours(const PresenceSchedule& schedule, int64_t unix_ms, int offset_seconds);

// The chance that one pass lasting pass_ms starts a check, for per_week
// checks over the week's working hours (capped at 1).
double chance_per_pass(const PresenceSchedule& schedule, int64_t pass_ms);

}  // namespace telltale::server
