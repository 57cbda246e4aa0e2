// trim_working_set() on macOS. There is no MADV_PAGEOUT for another
// library's clean pages (the kernel's pager reclaims them under pressure);
// what the agent can hand back is its malloc zones' free pages.
// Apple-only: built by the Darwin build alone (docs/MACOS.md lists it).
#include <malloc/malloc.h>

#include "platform/common/working_set.h"

namespace telltale {

TrimStats trim_working_set(const std::filesystem::path& /*maps*/) {
  TrimStats stats;
  // goal 0: release everything free in every zone; returns the bytes released.
  stats.bytes = malloc_zone_pressure_relief(nullptr, 0);
  return stats;
}

}  // namespace telltale
