#include "platform/linux/sysfs_link.h"

#include "platform/linux/root_path.h"

namespace telltale::platform::linux_probe {

namespace fs = std::filesystem;

bool is_within(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty()) continue;  // trailing separator
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

fs::path canonical_or_self(const fs::path& root, std::string_view relative) {
  std::error_code ec;
  auto p = under(root, relative);
  auto c = fs::canonical(p, ec);
  return ec ? p : c;
}

ResolvedLink resolve_sysfs_link(const fs::path& root, const fs::path& link, const fs::path& inside) {
  ResolvedLink out;
  std::error_code ec;
  auto status = fs::symlink_status(link, ec);
  if (ec) {
    out.error = ec.message();
    return out;
  }
  fs::path target = link;
  if (fs::is_symlink(status)) {
    auto to = fs::read_symlink(link, ec);
    if (ec) {
      out.error = "unreadable link: " + ec.message();
      return out;
    }
    target = to.is_absolute() ? under(root, to.string()) : link.parent_path() / to;
  }
  auto canonical = fs::canonical(target, ec);
  if (ec) {
    out.error = ec == std::errc::too_many_symbolic_link_levels ? "symlink loop"
                                                               : "dangling link: " + ec.message();
    return out;
  }
  if (!is_within(canonical, inside)) {
    out.error = "points outside " + display_path(root, inside) + " (to " + canonical.string() + ")";
    return out;
  }
  if (!fs::is_directory(canonical, ec)) {
    out.error = "points to something that is not a directory";
    return out;
  }
  out.dir = std::move(canonical);
  return out;
}

}  // namespace telltale::platform::linux_probe
