#include "platform/decode/tzfile.h"

#include <algorithm>
#include <cctype>

#include "platform/common/civil_date.h"

namespace telltale::decode {
namespace {

constexpr size_t kHeaderSize = 44;

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
int64_t be64(const uint8_t* p) {
  return static_cast<int64_t>((uint64_t{be32(p)} << 32) | uint64_t{be32(p + 4)});
}

struct Counts {
  uint32_t isut, isstd, leap, time, type, chars;
};

// Size of one data block (RFC 8536 §3.2); uint64 so hostile counts cannot overflow.
uint64_t block_size(const Counts& c, unsigned time_size) {
  return uint64_t{c.time} * time_size + c.time + uint64_t{c.type} * 6 + c.chars +
         uint64_t{c.leap} * (time_size + 4) + c.isstd + c.isut;
}

std::string read_counts(std::span<const uint8_t> bytes, size_t at, Counts& c, int& version) {
  if (bytes.size() < at + kHeaderSize)
    return "truncated header at byte " + std::to_string(at) + ": " + std::to_string(bytes.size() - std::min(at, bytes.size())) +
           " bytes left, expected 44";
  const uint8_t* p = bytes.data() + at;
  if (p[0] != 'T' || p[1] != 'Z' || p[2] != 'i' || p[3] != 'f') return "no TZif magic at byte " + std::to_string(at);
  version = p[4] == 0 ? 1 : (p[4] >= '2' && p[4] <= '9' ? p[4] - '0' : -1);
  if (version < 0) return "unknown TZif version byte " + std::to_string(p[4]);
  c = {be32(p + 20), be32(p + 24), be32(p + 28), be32(p + 32), be32(p + 36), be32(p + 40)};
  if (c.type == 0) return "typecnt is 0, expected at least one local time type";
  if (c.isut != 0 && c.isut != c.type) return "isutcnt " + std::to_string(c.isut) + " is neither 0 nor typecnt";
  if (c.isstd != 0 && c.isstd != c.type) return "isstdcnt " + std::to_string(c.isstd) + " is neither 0 nor typecnt";
  return "";
}

std::string read_block(std::span<const uint8_t> bytes, size_t at, const Counts& c, unsigned time_size, TzFile& out) {
  const uint64_t need = block_size(c, time_size);
  if (bytes.size() - at < need)
    return "truncated data block at byte " + std::to_string(at) + ": " + std::to_string(bytes.size() - at) +
           " bytes, expected " + std::to_string(need);
  const uint8_t* p = bytes.data() + at;
  out.transitions.clear();
  out.transition_types.clear();
  out.types.clear();
  for (uint32_t i = 0; i < c.time; ++i) {
    int64_t t = time_size == 8 ? be64(p) : static_cast<int32_t>(be32(p));
    if (!out.transitions.empty() && t <= out.transitions.back())
      return "transition " + std::to_string(i) + " is not after the previous one";
    out.transitions.push_back(t);
    p += time_size;
  }
  for (uint32_t i = 0; i < c.time; ++i) {
    if (p[i] >= c.type)
      return "transition " + std::to_string(i) + " names type " + std::to_string(p[i]) + ", only " + std::to_string(c.type) + " exist";
    out.transition_types.push_back(p[i]);
  }
  p += c.time;
  const uint8_t* types = p;
  const char* chars = reinterpret_cast<const char*>(p + uint64_t{c.type} * 6);
  for (uint32_t i = 0; i < c.type; ++i) {
    const uint8_t* t = types + i * 6;
    int32_t off = static_cast<int32_t>(be32(t));
    if (off == INT32_MIN) return "local time type " + std::to_string(i) + " has utoff -2^31";
    if (t[4] > 1) return "local time type " + std::to_string(i) + " has isdst " + std::to_string(t[4]) + ", expected 0 or 1";
    if (t[5] >= c.chars) return "local time type " + std::to_string(i) + " abbreviation index out of range";
    std::string_view rest(chars + t[5], c.chars - t[5]);
    auto nul = rest.find('\0');
    if (nul == std::string_view::npos) return "local time type " + std::to_string(i) + " abbreviation is not NUL-terminated";
    out.types.push_back({off, t[4] == 1, std::string(rest.substr(0, nul))});
  }
  return "";
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t year_of_days(int64_t z) { return civil_from_days(z).year; }

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

unsigned month_length(int64_t y, int m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Local (wall clock) seconds since the epoch at which `rule` fires in year y.
int64_t rule_local_seconds(const PosixTz::Rule& r, int64_t y) {
  int64_t day = 0;
  switch (r.kind) {
    case PosixTz::Rule::Kind::kJulianNoLeap:
      day = days_from_civil(y, 1, 1) + r.day - 1 + (is_leap(y) && r.day >= 60 ? 1 : 0);
      break;
    case PosixTz::Rule::Kind::kZeroBasedDay:
      day = days_from_civil(y, 1, 1) + r.day;
      break;
    case PosixTz::Rule::Kind::kMonthWeekDay: {
      const int64_t first = days_from_civil(y, static_cast<unsigned>(r.month), 1);
      const int64_t first_weekday = ((first % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday
      int64_t dom = 1 + (r.weekday - first_weekday + 7) % 7 + int64_t{r.week - 1} * 7;
      while (dom > month_length(y, r.month)) dom -= 7;
      day = first + dom - 1;
      break;
    }
  }
  return day * 86400 + r.time;
}

// Cursor over a TZ string.
struct Reader {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }

  std::optional<std::string> name() {
    if (peek() == '<') {
      auto close = s.find('>', i);
      if (close == std::string_view::npos) return std::nullopt;
      std::string n(s.substr(i + 1, close - i - 1));
      if (n.size() < 3) return std::nullopt;
      for (char c : n)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-') return std::nullopt;
      i = close + 1;
      return n;
    }
    size_t start = i;
    while (!done() && std::isalpha(static_cast<unsigned char>(peek()))) ++i;
    if (i - start < 3) return std::nullopt;
    return std::string(s.substr(start, i - start));
  }

  std::optional<int> number(int max) {
    size_t start = i;
    int v = 0;
    while (!done() && std::isdigit(static_cast<unsigned char>(peek())) && i - start < 3) v = v * 10 + (s[i++] - '0');
    if (i == start || v > max) return std::nullopt;
    return v;
  }

  // [+-]hh[:mm[:ss]] in seconds.
  std::optional<int32_t> hms(int max_hours) {
    int sign = 1;
    if (peek() == '+' || peek() == '-') sign = s[i++] == '-' ? -1 : 1;
    auto h = number(max_hours);
    if (!h) return std::nullopt;
    int32_t total = *h * 3600;
    if (peek() == ':') {
      ++i;
      auto m = number(59);
      if (!m) return std::nullopt;
      total += *m * 60;
      if (peek() == ':') {
        ++i;
        auto sec = number(59);
        if (!sec) return std::nullopt;
        total += *sec;
      }
    }
    return sign * total;
  }

  std::optional<PosixTz::Rule> rule() {
    PosixTz::Rule r;
    if (peek() == 'J') {
      ++i;
      auto n = number(365);
      if (!n || *n < 1) return std::nullopt;
      r.kind = PosixTz::Rule::Kind::kJulianNoLeap;
      r.day = *n;
    } else if (peek() == 'M') {
      ++i;
      auto m = number(12);
      if (!m || *m < 1 || peek() != '.') return std::nullopt;
      ++i;
      auto w = number(5);
      if (!w || *w < 1 || peek() != '.') return std::nullopt;
      ++i;
      auto d = number(6);
      if (!d) return std::nullopt;
      r.kind = PosixTz::Rule::Kind::kMonthWeekDay;
      r.month = *m;
      r.week = *w;
      r.weekday = *d;
    } else {
      auto n = number(365);
      if (!n) return std::nullopt;
      r.kind = PosixTz::Rule::Kind::kZeroBasedDay;
      r.day = *n;
    }
    if (peek() == '/') {
      ++i;
      auto t = hms(167);  // RFC 8536 §3.3.1 extension: -167..167 hours
      if (!t) return std::nullopt;
      r.time = *t;
    }
    return r;
  }
};

}  // namespace

TzParseResult parse_tzif(std::span<const uint8_t> bytes) {
  TzParseResult result;
  Counts c{};
  int version = 1;
  if (auto err = read_counts(bytes, 0, c, version); !err.empty()) {
    result.error = err;
    return result;
  }
  TzFile tz;
  tz.version = version;
  if (auto err = read_block(bytes, kHeaderSize, c, 4, tz); !err.empty()) {
    result.error = "v1 " + err;
    return result;
  }
  if (version >= 2) {
    // v2+: the 32-bit block is only for old readers; the 64-bit block after
    // the second header is authoritative, then the footer.
    const size_t second = kHeaderSize + block_size(c, 4);
    Counts c2{};
    int version2 = 1;
    if (auto err = read_counts(bytes, second, c2, version2); !err.empty()) {
      result.error = "v2 " + err;
      return result;
    }
    const size_t data2 = second + kHeaderSize;
    if (auto err = read_block(bytes, data2, c2, 8, tz); !err.empty()) {
      result.error = "v2 " + err;
      return result;
    }
    const size_t footer_at = data2 + block_size(c2, 8);
    std::string_view rest(reinterpret_cast<const char*>(bytes.data()) + footer_at, bytes.size() - footer_at);
    if (rest.empty() || rest.front() != '\n') {
      result.error = "missing footer: expected a newline at byte " + std::to_string(footer_at);
      return result;
    }
    auto end = rest.find('\n', 1);
    if (end == std::string_view::npos) {
      result.error = "footer TZ string is not terminated by a newline";
      return result;
    }
    tz.footer = std::string(rest.substr(1, end - 1));
    if (!tz.footer.empty() && !parse_posix_tz(tz.footer)) {
      result.error = "footer \"" + tz.footer + "\" is not a valid TZ string";
      return result;
    }
  }
  result.tz = std::move(tz);
  return result;
}

TzParseResult parse_tzif(std::string_view bytes) {
  return parse_tzif(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

std::optional<PosixTz> parse_posix_tz(std::string_view text) {
  Reader r{text};
  PosixTz tz;
  auto std_name = r.name();
  if (!std_name) return std::nullopt;
  auto std_off = r.hms(24);
  if (!std_off) return std::nullopt;
  tz.standard = {-*std_off, false, *std_name};  // POSIX offsets count west of UTC
  if (r.done()) return tz;
  auto dst_name = r.name();
  if (!dst_name) return std::nullopt;
  LocalTimeType dst{tz.standard.utc_offset + 3600, true, *dst_name};
  if (!r.done() && r.peek() != ',') {
    auto dst_off = r.hms(24);
    if (!dst_off) return std::nullopt;
    dst.utc_offset = -*dst_off;
  }
  tz.daylight = dst;
  if (r.done()) {
    // POSIX leaves the default rule to the implementation; glibc and tzcode use the US rule.
    tz.start = {PosixTz::Rule::Kind::kMonthWeekDay, 0, 3, 2, 0, 7200};
    tz.end = {PosixTz::Rule::Kind::kMonthWeekDay, 0, 11, 1, 0, 7200};
    return tz;
  }
  if (r.peek() != ',') return std::nullopt;
  ++r.i;
  auto start = r.rule();
  if (!start || r.peek() != ',') return std::nullopt;
  ++r.i;
  auto end = r.rule();
  if (!end || !r.done()) return std::nullopt;
  tz.start = *start;
  tz.end = *end;
  return tz;
}

LocalTimeType local_time_at(const PosixTz& tz, int64_t unix_seconds) {
  if (!tz.daylight) return tz.standard;
  const int64_t year = year_of_days(floor_div(unix_seconds + tz.standard.utc_offset, 86400));
  // The start time is given in standard time, the end time in daylight time.
  const int64_t start = rule_local_seconds(tz.start, year) - tz.standard.utc_offset;
  const int64_t end = rule_local_seconds(tz.end, year) - tz.daylight->utc_offset;
  const bool in_dst = start < end ? (unix_seconds >= start && unix_seconds < end)
                                  : !(unix_seconds >= end && unix_seconds < start);  // southern hemisphere
  return in_dst ? *tz.daylight : tz.standard;
}

std::optional<LocalTimeType> local_time_at(const TzFile& tz, int64_t unix_seconds) {
  if (tz.types.empty()) return std::nullopt;
  if (tz.transitions.empty() || unix_seconds < tz.transitions.front()) {
    if (tz.transitions.empty() && !tz.footer.empty())
      if (auto rule = parse_posix_tz(tz.footer)) return local_time_at(*rule, unix_seconds);
    return tz.types.front();  // RFC 8536 §3.2: type 0 applies before the first transition
  }
  if (unix_seconds >= tz.transitions.back() && !tz.footer.empty())
    if (auto rule = parse_posix_tz(tz.footer)) return local_time_at(*rule, unix_seconds);
  auto it = std::upper_bound(tz.transitions.begin(), tz.transitions.end(), unix_seconds);
  const size_t idx = static_cast<size_t>(it - tz.transitions.begin()) - 1;
  return tz.types[tz.transition_types[idx]];
}

}  // namespace telltale::decode
