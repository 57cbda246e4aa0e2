#pragma once
// Windows time zone names ("W. Europe Standard Time", the TimeZoneKeyName of
// GetDynamicTimeZoneInformation) mapped to IANA zones with CLDR's
// windowsZones.xml, generated at build time from Debian's unicode-cldr-core
// (windows_zones_table.cmake), so the mapping is never copied by hand.
#include <cstddef>
#include <optional>
#include <string_view>

namespace telltale::decode {

// The IANA zone for a Windows zone name in a territory (ISO 3166 code, e.g.
// "DE" → Europe/Berlin, "CH" → Europe/Zurich); a territory CLDR does not list
// falls back to the name's default ("001"). nullopt for an unknown name.
// Exact, case-sensitive match, as Windows spells the names.
std::optional<std::string_view> iana_zone_for_windows(std::string_view windows_name, std::string_view territory = "001");

struct WindowsZoneEntry {
  std::string_view windows;
  std::string_view territory;
  std::string_view iana;
};

// The whole table, in CLDR's order (for tests and the collector's checks).
std::size_t windows_zone_count();
const WindowsZoneEntry* windows_zones_begin();

}  // namespace telltale::decode
