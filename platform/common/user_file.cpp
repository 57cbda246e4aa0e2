#include "platform/common/user_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace telltale {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

std::vector<std::string> components(std::string_view relative) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= relative.size()) {
    size_t slash = relative.find('/', start);
    if (slash == std::string_view::npos) slash = relative.size();
    std::string_view c = relative.substr(start, slash - start);
    if (!c.empty() && c != ".") out.emplace_back(c);
    start = slash + 1;
  }
  return out;
}

// Why openat(dir, name, O_NOFOLLOW…) failed, in words; symlinks named as such.
std::string refusal(int dir, const std::string& shown, int err) {
  struct stat st {};
  if (::fstatat(dir, shown.substr(shown.rfind('/') + 1).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISLNK(st.st_mode))
    return shown + " is a symbolic link (not followed below a user's home)";
  return shown + ": " + std::strerror(err);
}

struct Walk {
  Fd dir;
  uid_t owner = 0;
  bool missing = false;
  std::string error;
};

// Opens home, then each of dirs below it, never following a symlink.
Walk walk_dirs(const std::filesystem::path& home, const std::vector<std::string>& dirs) {
  Walk w;
  w.dir = Fd(::open(home.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (w.dir.get() < 0) {
    const int err = errno;
    w.missing = err == ENOENT;
    struct stat st {};
    if (::lstat(home.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) w.error = "home directory is a symbolic link (not followed)";
    else w.error = std::string("home directory: ") + std::strerror(err);
    return w;
  }
  struct stat st {};
  if (::fstat(w.dir.get(), &st) != 0) {
    w.error = std::string("home directory: ") + std::strerror(errno);
    w.dir = Fd();
    return w;
  }
  w.owner = st.st_uid;
  std::string shown;
  for (const auto& name : dirs) {
    shown += (shown.empty() ? "" : "/") + name;
    Fd next(::openat(w.dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) {
      const int err = errno;
      w.missing = err == ENOENT;
      w.error = w.missing ? shown + ": " + std::strerror(err) : refusal(w.dir.get(), shown, err);
      w.dir = Fd();  // no directory reached: callers test dir < 0
      return w;
    }
    w.dir = std::move(next);
  }
  return w;
}

}  // namespace

ReadResult read_user_file(const std::filesystem::path& home, std::string_view relative, size_t max_bytes) {
  ReadResult r;
  auto parts = components(relative);
  if (parts.empty()) {
    r.error = "no file named";
    return r;
  }
  const std::string file = parts.back();
  parts.pop_back();
  Walk w = walk_dirs(home, parts);
  if (w.dir.get() < 0) {
    r.missing = w.missing;
    r.error = w.error;
    return r;
  }
  // Looked at before opening: opening a FIFO or a device can block or act.
  struct stat before {};
  if (::fstatat(w.dir.get(), file.c_str(), &before, AT_SYMLINK_NOFOLLOW) != 0) {
    r.missing = errno == ENOENT || errno == ENOTDIR;
    r.error = std::string(relative) + ": " + std::strerror(errno);
    return r;
  }
  if (S_ISLNK(before.st_mode)) {
    r.error = std::string(relative) + " is a symbolic link (not followed below a user's home)";
    return r;
  }
  if (!S_ISREG(before.st_mode)) {
    r.error = std::string(relative) + " is not a regular file";
    return r;
  }
  if (before.st_uid != w.owner) {
    r.error = std::string(relative) + " is owned by uid " + std::to_string(before.st_uid) +
              ", not by the home directory's owner uid " + std::to_string(w.owner) + " (a hard link?)";
    return r;
  }
  Fd fd(::openat(w.dir.get(), file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    r.error = std::string(relative) + ": " + std::strerror(errno);
    return r;
  }
  struct stat after {};
  // The name may have been swapped between the look and the open.
  if (::fstat(fd.get(), &after) != 0 || after.st_dev != before.st_dev || after.st_ino != before.st_ino) {
    r.error = std::string(relative) + " changed while it was opened";
    return r;
  }
  return read_fd(fd.release(), max_bytes);
}

UserDirListing list_user_dir(const std::filesystem::path& home, std::string_view relative, size_t max_entries) {
  UserDirListing out;
  Walk w = walk_dirs(home, components(relative));
  if (w.dir.get() < 0) {
    out.missing = w.missing;
    out.error = w.error;
    return out;
  }
  DIR* d = ::fdopendir(w.dir.get());
  if (!d) {
    out.error = std::string(relative) + ": " + std::strerror(errno);
    return out;
  }
  w.dir.release();  // closedir closes it
  while (out.names.size() < max_entries) {
    errno = 0;
    dirent* e = ::readdir(d);
    if (!e) {
      if (errno != 0) out.error = std::string(relative) + ": " + std::strerror(errno);
      break;
    }
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    out.names.emplace_back(name);
  }
  ::closedir(d);
  return out;
}

}  // namespace telltale
