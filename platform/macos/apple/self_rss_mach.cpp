// self_rss_bytes() on macOS: Mach's task info has what /proc/self/status
// gives on Linux (resident_size is the RSS the agent's budget is in).
// Apple-only: built by the Darwin build alone (docs/MACOS.md lists it).
#include <mach/mach.h>

#include "platform/common/process_stats.h"

namespace telltale {

uint64_t self_rss_bytes() {
  mach_task_basic_info_data_t info{};
  mach_msg_type_number_t count = MACH_TASK_BASIC_INFO_COUNT;
  if (task_info(mach_task_self(), MACH_TASK_BASIC_INFO, reinterpret_cast<task_info_t>(&info), &count) != KERN_SUCCESS)
    return 0;
  return info.resident_size;
}

}  // namespace telltale
