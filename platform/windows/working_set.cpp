// platform/common/working_set.h on Win32: Windows trims a process's working
// set in one call; clean pages go to the standby list and fault back in.
#include <windows.h>

#include "platform/common/working_set.h"
#include "platform/windows/win32_error.h"

namespace telltale {

TrimStats trim_working_set(const std::filesystem::path& /*maps*/) {
  TrimStats stats;
  if (!SetProcessWorkingSetSize(GetCurrentProcess(), static_cast<SIZE_T>(-1), static_cast<SIZE_T>(-1)))
    stats.error = "SetProcessWorkingSetSize: " + win::error_message(GetLastError());
  else
    stats.regions = 1;  // the whole working set, not per mapping
  return stats;
}

}  // namespace telltale
