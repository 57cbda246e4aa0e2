#include "platform/decode/windows_zones.h"

#include <iterator>

namespace telltale::decode {
namespace {
#include "platform/decode/windows_zones_table.inc"

// ~500 rows, looked up once per collection: a scan is plenty.
std::optional<std::string_view> find(std::string_view windows, std::string_view territory) {
  for (const auto& e : kWindowsZones)
    if (e.windows == windows && e.territory == territory) return e.iana;
  return std::nullopt;
}
}  // namespace

std::optional<std::string_view> iana_zone_for_windows(std::string_view windows_name, std::string_view territory) {
  if (auto zone = find(windows_name, territory)) return zone;
  return find(windows_name, "001");
}

std::size_t windows_zone_count() { return std::size(kWindowsZones); }
const WindowsZoneEntry* windows_zones_begin() { return std::begin(kWindowsZones); }

}  // namespace telltale::decode
