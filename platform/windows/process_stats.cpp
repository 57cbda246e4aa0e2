// platform/common/process_stats.h on Win32.
#include <windows.h>
#include <psapi.h>

#include "platform/common/process_stats.h"

namespace telltale {

uint64_t self_rss_bytes() {
  PROCESS_MEMORY_COUNTERS counters{};
  counters.cb = sizeof counters;
  if (!GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters)) return 0;
  return counters.WorkingSetSize;  // Windows' resident set
}

double self_cpu_seconds() {
  FILETIME created, exited, kernel, user;
  if (!GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user)) return 0;
  auto seconds = [](const FILETIME& t) {
    return ((uint64_t(t.dwHighDateTime) << 32) | t.dwLowDateTime) / 1e7;  // 100 ns units
  };
  return seconds(kernel) + seconds(user);
}

}  // namespace telltale
