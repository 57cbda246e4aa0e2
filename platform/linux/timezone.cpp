#include "platform/linux/timezone.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <system_error>

#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/decode/tzfile.h"
#include "platform/linux/root_path.h"

namespace telltale::platform::linux_probe {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxTzif = 256 * 1024;
// A full tzdata tree has ~1,800 files; the bound keeps a hostile or huge tree cheap.
constexpr size_t kMaxZoneFilesScanned = 6000;

// "/usr/share/zoneinfo/America/New_York" → "America/New_York". The target is
// absolute on the laptop; inside a fixture it must be read inside the root.
std::string zone_from_link_target(const std::string& target) {
  static constexpr std::string_view kMarker = "zoneinfo/";
  auto pos = target.rfind(kMarker);
  if (pos == std::string::npos) return "";
  auto zone = target.substr(pos + kMarker.size());
  if (zone.starts_with("posix/")) zone = zone.substr(6);
  if (zone.starts_with("right/")) zone = zone.substr(6);
  return zone;
}

bool plausible_zone_name(std::string_view zone) {
  if (zone.empty() || zone.size() > 64 || zone.front() == '/' || zone.find("..") != std::string_view::npos) return false;
  return std::all_of(zone.begin(), zone.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '/' || c == '_' || c == '-' || c == '+';
  });
}

// Several names share one file (Asia/Seoul, ROK); prefer the Area/City form.
int name_rank(const std::string& zone) {
  static constexpr std::string_view kAreas[] = {"Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/",
                                                "Australia/", "Europe/", "Indian/", "Pacific/", "Etc/"};
  for (auto area : kAreas)
    if (zone.starts_with(area)) return 0;
  return zone.find('/') != std::string::npos ? 1 : 2;
}

// A copied TZif file names no zone; find the zoneinfo file with the same bytes.
std::string match_zone_by_content(const fs::path& zoneinfo, const std::string& content) {
  std::error_code ec;
  std::string best;
  size_t scanned = 0;
  fs::recursive_directory_iterator it(zoneinfo, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const auto rel = it->path().lexically_relative(zoneinfo).string();
    if (it->is_directory(ec)) {
      // posix/ and right/ duplicate the tree (right/ with leap seconds, never equal).
      if (rel == "posix" || rel == "right") it.disable_recursion_pending();
      continue;
    }
    if (++scanned > kMaxZoneFilesScanned) break;
    if (!it->is_regular_file(ec) || it->file_size(ec) != content.size() || ec) continue;
    auto candidate = read_file(it->path(), kMaxTzif);
    if (!candidate.data || *candidate.data != content) continue;
    if (rel == "localtime" || !plausible_zone_name(rel)) continue;
    if (best.empty() || std::make_pair(name_rank(rel), rel) < std::make_pair(name_rank(best), best)) best = rel;
  }
  return best;
}

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::string> env_tz() {
  const char* tz = std::getenv("TZ");
  if (tz == nullptr || *tz == '\0') return std::nullopt;
  return std::string(tz);
}

}  // namespace

TimezoneProbe::TimezoneProbe() : TimezoneProbe(Clock{system_now_ms, env_tz}) {}
TimezoneProbe::TimezoneProbe(Clock clock) : clock_(std::move(clock)) {}

void TimezoneProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto* time = out.mutable_time();
  const int64_t now_ms = clock_.now_unix_ms();
  time->set_agent_clock_unix_ms(now_ms);
  const auto localtime = under(ctx.root, "etc/localtime");
  const auto zoneinfo = under(ctx.root, "usr/share/zoneinfo");
  std::string zone, source;
  std::optional<std::string> tzif;  // the TZif bytes the offset is computed from
  fs::path tzif_path = localtime;   // and where they came from, for errors
  std::optional<decode::PosixTz> posix;

  std::error_code ec;
  if (fs::is_symlink(localtime, ec)) {
    auto target = fs::read_symlink(localtime, ec);
    if (!ec) {
      zone = zone_from_link_target(target.string());
      if (!zone.empty() && plausible_zone_name(zone)) source = "etc/localtime symlink";
      else {
        record_error(out, name(), ctx.root, localtime, "symlink to \"" + target.string() + "\" names no zoneinfo zone");
        zone.clear();
      }
    }
  } else if (fs::is_regular_file(localtime, ec)) {
    auto content = read_file(localtime, kMaxTzif);
    if (!content.data) {
      record_error(out, name(), ctx.root, localtime, "unreadable: " + content.error);
    } else {
      tzif = content.data;
      zone = match_zone_by_content(zoneinfo, *content.data);
      if (!zone.empty()) source = "etc/localtime content";
    }
  }
  if (zone.empty()) {
    if (auto tz = read_attribute(under(ctx.root, "etc/timezone")); tz && plausible_zone_name(*tz)) {
      zone = *tz;
      source = "etc/timezone";
    }
  }
  if (zone.empty()) {
    if (auto env = clock_.tz_env()) {
      // ":Area/City" and "Area/City" name a file; anything else is a POSIX rule.
      std::string value = env->starts_with(':') ? env->substr(1) : *env;
      if (plausible_zone_name(value) && value.find('/') != std::string::npos) {
        zone = value;
        source = "TZ";
      } else if (auto rule = decode::parse_posix_tz(value)) {
        zone = value;
        source = "TZ";
        posix = rule;
      }
    }
  }
  if (zone.empty() && !tzif) {
    record_error(out, name(), ctx.root, localtime,
                 "no time zone found (etc/localtime, etc/timezone and TZ unreadable or empty)");
    return;
  }
  time->set_iana_zone(zone);
  time->set_source(source.empty() ? "etc/localtime content" : source);

  // Offset, DST and abbreviation from the data itself.
  const auto zone_file = under(ctx.root, "usr/share/zoneinfo/" + zone);
  if (!tzif && !posix && !zone.empty()) {
    auto content = read_file(zone_file, kMaxTzif);
    tzif_path = zone_file;
    if (content.data) tzif = content.data;
    else record_error(out, name(), ctx.root, zone_file, "zone data unreadable: " + content.error);
  }
  std::optional<decode::LocalTimeType> local;
  const int64_t now_s = now_ms / 1000 - (now_ms % 1000 < 0 ? 1 : 0);
  if (posix) {
    local = decode::local_time_at(*posix, now_s);
  } else if (tzif) {
    auto parsed = decode::parse_tzif(*tzif);
    if (parsed.tz) local = decode::local_time_at(*parsed.tz, now_s);
    else record_error(out, name(), ctx.root, tzif_path, "TZif: " + parsed.error);
  }
  if (local) {
    time->set_utc_offset_seconds(local->utc_offset);
    time->set_dst(local->dst);
    time->set_abbreviation(local->abbreviation);
  }

  std::lock_guard lock(mutex_);
  const std::string shown = zone.empty() ? "(unnamed TZif)" : zone;
  if (last_zone_ && *last_zone_ != shown) {
    telltale::v1::TimezoneChange change;
    change.set_from_zone(*last_zone_);
    change.set_to_zone(shown);
    change.set_from_offset_seconds(last_offset_);
    change.set_to_offset_seconds(time->utc_offset_seconds());
    change.set_at_unix_ms(now_ms);
    spdlog::info("event=timezone_change from={} to={}", log::q(*last_zone_), log::q(shown));
    history_.push_back(change);
    if (history_.size() > kHistory) history_.erase(history_.begin());
    pending_.push_back(std::move(change));
    if (pending_.size() > kHistory) pending_.erase(pending_.begin());
  }
  last_zone_ = shown;
  last_offset_ = time->utc_offset_seconds();
  for (const auto& c : history_) *time->add_changes() = c;
}

std::vector<telltale::v1::TimezoneChange> TimezoneProbe::take_pending_changes() {
  std::lock_guard lock(mutex_);
  return std::exchange(pending_, {});
}

std::vector<telltale::v1::Event> TimezoneProbe::take_events() {
  std::vector<telltale::v1::Event> out;
  for (auto& change : take_pending_changes()) {
    telltale::v1::Event e;
    e.set_at_unix_ms(change.at_unix_ms());
    *e.mutable_timezone() = std::move(change);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace telltale::platform::linux_probe
