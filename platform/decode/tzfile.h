#pragma once
// TZif time zone files (RFC 8536) and the POSIX TZ strings found in their
// footer (and in the TZ environment variable). Pure: bytes in, values out.
// The agent computes offset, DST state and abbreviation from the data itself
// rather than from the process's libc, so a fixture root answers exactly as
// the laptop it models would.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace telltale::decode {

struct LocalTimeType {
  int32_t utc_offset = 0;  // seconds east of UTC
  bool dst = false;
  std::string abbreviation;
};

// A parsed POSIX TZ rule, e.g. "CST6CDT,M3.2.0,M11.1.0" or "<+09>-9".
struct PosixTz {
  // Start or end of daylight time: Jn (1..365, no Feb 29), n (0..365) or Mm.w.d.
  struct Rule {
    enum class Kind { kJulianNoLeap, kZeroBasedDay, kMonthWeekDay } kind = Kind::kMonthWeekDay;
    int day = 0;         // Jn / n
    int month = 0;       // Mm.w.d
    int week = 0;
    int weekday = 0;
    int32_t time = 7200;  // seconds after local midnight; may be negative or > 24 h (RFC 8536 §3.3.1)
  };
  LocalTimeType standard;
  std::optional<LocalTimeType> daylight;
  Rule start;
  Rule end;
};

struct TzFile {
  int version = 1;                        // 1, 2, 3, 4 ('\0' reads as 1)
  std::vector<int64_t> transitions;       // UTC seconds, ascending
  std::vector<uint8_t> transition_types;  // index into types, one per transition
  std::vector<LocalTimeType> types;
  std::string footer;                     // POSIX TZ string, empty when absent
};

struct TzParseResult {
  std::optional<TzFile> tz;
  std::string error;  // why tz is unset, e.g. "truncated v2 data block: 1200 bytes, expected 1450"
};

TzParseResult parse_tzif(std::span<const uint8_t> bytes);
TzParseResult parse_tzif(std::string_view bytes);

// Parses a POSIX TZ string; nullopt when malformed.
std::optional<PosixTz> parse_posix_tz(std::string_view text);

// The local time type in effect at `unix_seconds` (UTC).
LocalTimeType local_time_at(const PosixTz& tz, int64_t unix_seconds);
// Uses the transitions, and the footer for instants after the last one.
// nullopt only when the file defines no local time types.
std::optional<LocalTimeType> local_time_at(const TzFile& tz, int64_t unix_seconds);

}  // namespace telltale::decode
