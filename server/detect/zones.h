#pragma once
// UTC offsets of catalog zones at a given instant, from the catalog's standard
// offset and one of three daylight-saving rules. Enough to place activity in an
// assignee's local day without a tz database on the collector.
#include <cstdint>
#include <optional>
#include <string_view>

#include "server/detect/catalog.h"

namespace telltale::detect {

// Offset in seconds east of UTC at unix_ms, or nullopt when the zone is not in
// the catalog.
std::optional<int> zone_offset_seconds(const Catalog& catalog, std::string_view zone, int64_t unix_ms);
int zone_offset_seconds(const ZoneInfo& zone, int64_t unix_ms);

}  // namespace telltale::detect
