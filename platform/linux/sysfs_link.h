#pragma once
// sysfs class and bus listings (sys/bus/usb/devices/*, sys/bus/hid/devices/*,
// sys/class/*/*) are relative symlinks into sys/devices. A fixture or a
// hostile tree may hold loops or links that leave the root; this is the one
// place that follows such a link and says why it refuses.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace telltale::platform::linux_probe {

struct ResolvedLink {
  std::optional<std::filesystem::path> dir;  // canonical directory, set on success
  std::string error;                         // why not, when dir is unset
};

// Follows `link` (an absolute target is taken as relative to `root`, like the
// kernel's view from inside the root) and canonicalises what it points to.
// Refuses symlink loops, targets that are not directories and targets outside
// `inside` (a canonical directory, usually canonical(ROOT/sys/devices)).
ResolvedLink resolve_sysfs_link(const std::filesystem::path& root, const std::filesystem::path& link,
                                const std::filesystem::path& inside);

// The same, for many links into a few parent directories (all USB devices of
// one bus hang below one root hub): each parent directory is canonicalised
// once, so a link costs a readlink and an lstat instead of a walk of every
// path component.
class SysfsLinkResolver {
 public:
  SysfsLinkResolver(std::filesystem::path root, std::filesystem::path inside)
      : root_(std::move(root)), inside_(std::move(inside)) {}
  ResolvedLink resolve(const std::filesystem::path& link);

 private:
  std::filesystem::path root_;
  std::filesystem::path inside_;
  std::map<std::filesystem::path, ResolvedLink> parents_;
};

// Canonical form of ROOT/relative, or ROOT/relative itself when it does not exist.
std::filesystem::path canonical_or_self(const std::filesystem::path& root, std::string_view relative);

// True when `path` is `dir` or below it (both canonical).
bool is_within(const std::filesystem::path& path, const std::filesystem::path& dir);

}  // namespace telltale::platform::linux_probe
