#pragma once
// One open sysfs directory whose attributes are read relative to it
// (openat/readlinkat). A probe reading a dozen attributes per device pays one
// path walk instead of a dozen: on a laptop with 30 USB devices and
// interfaces that is most of the probe's cost.
#include <filesystem>
#include <optional>
#include <string>

#include "platform/common/file.h"

namespace telltale::platform::linux_probe {

class SysfsDir {
 public:
  explicit SysfsDir(const std::filesystem::path& dir);
  ~SysfsDir();
  SysfsDir(const SysfsDir&) = delete;
  SysfsDir& operator=(const SysfsDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Same contract as read_file(): bounded, never silently truncated, `missing`
  // set when the attribute does not exist (or the directory could not be opened).
  ReadResult read(const char* name, size_t max_bytes = 4096) const;
  // Last component of a symlink's target (a `driver` link → "usbhid"), nullopt when absent.
  std::optional<std::string> link_basename(const char* name) const;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  int open_errno_ = 0;
};

}  // namespace telltale::platform::linux_probe
