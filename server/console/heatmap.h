#pragma once
// The device page's activity heatmap: hour × weekday counts in a person's
// local time. Local time comes from the TZif file of the IANA zone (RFC 8536,
// decoded by platform/decode/tzfile), so every instant is shifted by the
// offset in force at that instant: a week that crosses a DST change puts
// 09:00 EST and 09:00 EDT in the same 9 o'clock row.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "platform/decode/tzfile.h"

namespace telltale::server::console {

struct Heatmap {
  std::string timezone = "UTC";        // the zone the cells are in
  std::string timezone_source = "utc"; // assignee, device or utc
  std::array<std::array<uint64_t, 24>, 7> cells{};  // [weekday, Monday first][local hour]
  uint64_t total = 0;
};

// Reads root/NAME as TZif. nullopt (with *why) when the name is not a plain
// IANA name (no "..", no leading '/', only [A-Za-z0-9_+-/]), the file is
// missing, or it does not parse.
std::optional<decode::TzFile> load_zone(const std::filesystem::path& root, const std::string& name, std::string* why);

// Counts `weight` at the local hour and weekday of unix_ms; zone null = UTC.
void add_activity(Heatmap& map, const decode::TzFile* zone, int64_t unix_ms, uint64_t weight = 1);

}  // namespace telltale::server::console
