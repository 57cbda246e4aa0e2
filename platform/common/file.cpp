#include "platform/common/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace telltale {

ReadResult read_file(const std::filesystem::path& path, size_t max_bytes) {
  ReadResult r;
  // O_NONBLOCK: a fixture path that happens to be a FIFO must not hang a probe.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    r.missing = errno == ENOENT || errno == ENOTDIR;
    r.error = std::strerror(errno);
    return r;
  }
  return read_fd(fd, max_bytes);
}

ReadResult read_fd(int fd, size_t max_bytes) {
  ReadResult r;
  std::string buf;
  buf.resize(std::min<size_t>(max_bytes + 1, 8192));
  size_t used = 0;
  for (;;) {
    if (used == buf.size()) {
      if (buf.size() > max_bytes) break;
      buf.resize(std::min(buf.size() * 2, max_bytes + 1));
    }
    ssize_t n = ::read(fd, buf.data() + used, buf.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.error = std::strerror(errno);
      ::close(fd);
      return r;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
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

std::optional<std::string> read_attribute(const std::filesystem::path& path, size_t max_bytes) {
  auto r = read_file(path, max_bytes);
  if (!r.data) return std::nullopt;
  std::string& s = *r.data;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return std::move(s);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data, unsigned mode) {
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("cannot create " + tmp.string() + ": " + std::strerror(errno));
  ::fchmod(fd, mode);  // umask must not widen or narrow what we asked for
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot flush " + tmp.string() + ": " + std::strerror(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp.string() + " to " + path.string() + ": " + std::strerror(e));
  }
}

}  // namespace telltale
