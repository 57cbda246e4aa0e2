#include "platform/common/private_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace telltale {

void make_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("state dir " + dir.string() + ": cannot create: " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0)
    throw std::runtime_error("state dir " + dir.string() + ": cannot set mode 0700: " + std::strerror(errno));
}

}  // namespace telltale
