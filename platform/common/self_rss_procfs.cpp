// self_rss_bytes() on Linux, from procfs (macOS: macos/apple/self_rss_mach.cpp,
// Windows: windows/process_stats.cpp).
#include <cstdlib>

#include "platform/common/file.h"
#include "platform/common/process_stats.h"

namespace telltale {

uint64_t self_rss_bytes() {
  // The agent's own process, not the probed root.
  auto status = read_file("/proc/self/status");
  if (!status.data) return 0;
  auto pos = status.data->find("VmRSS:");
  if (pos == std::string::npos) return 0;
  return std::strtoull(status.data->c_str() + pos + 6, nullptr, 10) * 1024;
}

}  // namespace telltale
