// POSIX: getrusage is the same call on Linux and macOS. The resident set
// size is per OS: self_rss_procfs.cpp (Linux), macos/apple/self_rss_mach.cpp.
#include "platform/common/process_stats.h"

#include <sys/resource.h>

namespace telltale {

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace telltale
