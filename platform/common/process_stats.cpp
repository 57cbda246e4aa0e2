#include "platform/common/process_stats.h"

#include <sys/resource.h>

#include <cstdlib>

#include "platform/common/file.h"

namespace telltale {

uint64_t self_rss_bytes() {
  // The agent's own process, not the probed root.
  auto status = read_file("/proc/self/status");
  if (!status.data) return 0;
  auto pos = status.data->find("VmRSS:");
  if (pos == std::string::npos) return 0;
  return std::strtoull(status.data->c_str() + pos + 6, nullptr, 10) * 1024;
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace telltale
