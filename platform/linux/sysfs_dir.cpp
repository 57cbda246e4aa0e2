#include "platform/linux/sysfs_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace telltale::platform::linux_probe {

SysfsDir::SysfsDir(const std::filesystem::path& dir) : path_(dir) {
  fd_ = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) open_errno_ = errno;
}

SysfsDir::~SysfsDir() {
  if (fd_ >= 0) ::close(fd_);
}

ReadResult SysfsDir::read(const char* name, size_t max_bytes) const {
  ReadResult r;
  // O_NOFOLLOW: an attribute is a file, never a link out of the tree.
  int fd = fd_ < 0 ? -1 : ::openat(fd_, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) {
    int e = fd_ < 0 ? open_errno_ : errno;
    r.missing = e == ENOENT || e == ENOTDIR;
    r.error = e == ELOOP ? "is a symlink, expected a file" : std::strerror(e);
    return r;
  }
  std::string buf(max_bytes + 1, '\0');
  size_t used = 0;
  // Until EOF or one byte past the limit, which makes the file too large.
  // A short read is the end: kernfs hands out a whole attribute (at most a
  // page) per read, and a regular file (a fixture) is only short at its end.
  // That saves the second read() that would return 0 for every attribute.
  while (used < buf.size()) {
    size_t want = buf.size() - used;
    ssize_t n = ::read(fd, buf.data() + used, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.error = std::strerror(errno);
      ::close(fd);
      return r;
    }
    used += static_cast<size_t>(n);
    if (n == 0 || static_cast<size_t>(n) < want) break;
  }
  ::close(fd);
  if (used > max_bytes) {
    r.error = "larger than " + std::to_string(max_bytes) + " bytes";
    return r;
  }
  buf.resize(used);
  r.data = std::move(buf);
  return r;
}

std::optional<std::string> SysfsDir::link_basename(const char* name) const {
  if (fd_ < 0) return std::nullopt;
  char target[4096];
  ssize_t n = ::readlinkat(fd_, name, target, sizeof target - 1);
  if (n <= 0) return std::nullopt;
  std::string_view t(target, static_cast<size_t>(n));
  auto slash = t.rfind('/');
  return std::string(slash == std::string_view::npos ? t : t.substr(slash + 1));
}

}  // namespace telltale::platform::linux_probe
