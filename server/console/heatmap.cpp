#include "server/console/heatmap.h"

#include "platform/common/file.h"

namespace telltale::server::console {

std::optional<decode::TzFile> load_zone(const std::filesystem::path& root, const std::string& name, std::string* why) {
  auto fail = [&](const std::string& w) -> std::optional<decode::TzFile> {
    if (why) *why = "zone \"" + name + "\": " + w;
    return std::nullopt;
  };
  // The name comes from an assignment CSV or from an agent: never let it
  // walk out of the zoneinfo directory.
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.find("..") != std::string::npos)
    return fail("not an IANA zone name");
  for (char ch : name)
    if (!isalnum(static_cast<unsigned char>(ch)) && ch != '/' && ch != '_' && ch != '-' && ch != '+')
      return fail("not an IANA zone name");
  auto bytes = read_file(root / name, 1 << 20);
  if (!bytes.data) return fail("cannot read " + (root / name).string() + ": " + bytes.error);
  auto parsed = decode::parse_tzif(std::string_view(*bytes.data));
  if (!parsed.tz) return fail(parsed.error);
  return parsed.tz;
}

void add_activity(Heatmap& map, const decode::TzFile* zone, int64_t unix_ms, uint64_t weight) {
  int64_t seconds = unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
  if (zone)
    if (auto t = decode::local_time_at(*zone, seconds)) seconds += t->utc_offset;
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t second_of_day = seconds - days * 86400;
  // 1970-01-01 was a Thursday: index 3 with Monday as 0.
  int weekday = static_cast<int>(((days + 3) % 7 + 7) % 7);
  int hour = static_cast<int>(second_of_day / 3600);
  map.cells[weekday][hour] += weight;
  map.total += weight;
}

}  // namespace telltale::server::console
