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

namespace {

// Where `link` points, one level followed; the link itself when it is not one.
std::optional<fs::path> link_target(const fs::path& root, const fs::path& link, std::string& error) {
  std::error_code ec;
  auto status = fs::symlink_status(link, ec);
  if (ec) {
    error = ec.message();
    return std::nullopt;
  }
  if (!fs::is_symlink(status)) return link;
  auto to = fs::read_symlink(link, ec);
  if (ec) {
    error = "unreadable link: " + ec.message();
    return std::nullopt;
  }
  return (to.is_absolute() ? under(root, to.string()) : link.parent_path() / to).lexically_normal();
}

}  // namespace

ResolvedLink SysfsLinkResolver::resolve(const fs::path& link) {
  ResolvedLink out;
  auto target = link_target(root_, link, out.error);
  if (!target) return out;
  auto parent = target->parent_path();
  auto name = target->filename();
  if (name.empty() || name == "." || name == "..") return resolve_sysfs_link(root_, link, inside_);
  auto cached = parents_.find(parent);
  if (cached == parents_.end()) {
    ResolvedLink p;
    std::error_code ec;
    auto canonical = fs::canonical(parent, ec);
    if (ec) p.error = ec == std::errc::too_many_symbolic_link_levels ? "symlink loop" : "dangling link: " + ec.message();
    else p.dir = std::move(canonical);
    cached = parents_.emplace(parent, std::move(p)).first;
  }
  if (!cached->second.dir) {
    out.error = cached->second.error;
    return out;
  }
  auto candidate = *cached->second.dir / name;
  std::error_code ec;
  auto status = fs::symlink_status(candidate, ec);
  // The kernel's links point straight at a directory; anything else takes the slow, careful path.
  if (ec || !fs::is_directory(status)) return resolve_sysfs_link(root_, link, inside_);
  if (!is_within(candidate, inside_)) {
    out.error = "points outside " + display_path(root_, inside_) + " (to " + candidate.string() + ")";
    return out;
  }
  out.dir = std::move(candidate);
  return out;
}

ResolvedLink resolve_sysfs_link(const fs::path& root, const fs::path& link, const fs::path& inside) {
  ResolvedLink out;
  auto target = link_target(root, link, out.error);
  if (!target) return out;
  std::error_code ec;
  auto canonical = fs::canonical(*target, ec);
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
