#include "platform/common/working_set.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "support/temp_dir.h"

namespace telltale::agent {
namespace {

// Resident kB of the mapping that starts at addr, from /proc/self/smaps.
long resident_kb(const void* addr) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  char start[32];
  std::snprintf(start, sizeof start, "%lx-", reinterpret_cast<unsigned long>(addr));
  bool in = false;
  while (std::getline(smaps, line)) {
    if (line.find('-') != std::string::npos && line.find(' ') > line.find('-') && isxdigit(line[0]))
      in = line.rfind(start, 0) == 0;
    if (in && line.rfind("Rss:", 0) == 0) return std::stol(line.substr(4));
  }
  return -1;
}

TEST(WorkingSet, CleanFilePagesOfReadOnlyMappingsLeaveTheResidentSet) {
  testing::TempDir dir;
  const auto path = dir.path() / "library.bin";
  {
    std::ofstream out(path, std::ios::binary);
    std::string block(1 << 20, 'x');
    for (int i = 0; i < 4; ++i) out << block;
  }
  int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  const size_t size = 4 << 20;
  auto* p = static_cast<const char*>(mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0));
  ASSERT_NE(p, MAP_FAILED);
  close(fd);
  long sum = 0;
  for (size_t i = 0; i < size; i += 4096) sum += p[i];  // touch every page, like code being run
  EXPECT_GT(sum, 0);
  const long before = resident_kb(p);
  EXPECT_GE(before, 4000) << "the mapping is resident after use";

  auto stats = trim_working_set();
  EXPECT_TRUE(stats.error.empty()) << stats.error;
  EXPECT_GE(stats.regions, 1u);
  EXPECT_GE(stats.bytes, size);
  const long after = resident_kb(p);
  EXPECT_LT(after, before / 4) << "before " << before << " kB, after " << after << " kB";
  // The pages come back on the next use, with the same content.
  EXPECT_EQ(p[size - 1], 'x');
  munmap(const_cast<char*>(p), size);
}

TEST(WorkingSet, UnreadableMapsAdvisesNothingAndSaysWhy) {
  auto stats = trim_working_set("/nonexistent/maps");
  EXPECT_EQ(stats.regions, 0u);
  EXPECT_NE(stats.error.find("/nonexistent/maps"), std::string::npos) << stats.error;
}

}  // namespace
}  // namespace telltale::agent
