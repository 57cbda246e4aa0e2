#include "platform/common/working_set.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdlib>
#include <sstream>

#include "platform/common/file.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21  // Linux 5.4; older kernels answer EINVAL, which is harmless
#endif

namespace telltale {

TrimStats trim_working_set(const std::filesystem::path& maps) {
  TrimStats stats;
  auto text = read_file(maps, 4 * 1024 * 1024);
  if (!text.data) {
    stats.error = maps.string() + ": " + text.error;
    return stats;
  }
  std::istringstream lines(*text.data);
  std::string line;
  while (std::getline(lines, line)) {
    // "7f0c1a000000-7f0c1a200000 r-xp 00000000 fd:01 1234  /usr/lib/x86_64-linux-gnu/libgrpc.so.29"
    std::istringstream f(line);
    std::string range, perms, offset, dev, inode, path;
    if (!(f >> range >> perms >> offset >> dev >> inode)) continue;
    std::getline(f >> std::ws, path);
    if (perms.size() < 4 || perms[1] == 'w' || path.empty() || path[0] != '/' || inode == "0") continue;
    const auto dash = range.find('-');
    if (dash == std::string::npos) continue;
    const auto start = std::strtoull(range.substr(0, dash).c_str(), nullptr, 16);
    const auto end = std::strtoull(range.substr(dash + 1).c_str(), nullptr, 16);
    if (end <= start) continue;
    if (madvise(reinterpret_cast<void*>(start), end - start, MADV_PAGEOUT) == 0) {
      ++stats.regions;
      stats.bytes += end - start;
    }
  }
  malloc_trim(0);
  return stats;
}

}  // namespace telltale
