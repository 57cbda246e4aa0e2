#include "platform/linux/root_path.h"

#include "platform/common/log.h"

namespace telltale::platform::linux_probe {

std::string display_path(const std::filesystem::path& root, const std::filesystem::path& path) {
  auto rel = path.lexically_relative(root);
  if (rel.empty() || rel.native().starts_with("..")) return path.string();
  return rel.string();
}

void record_error(telltale::v1::Snapshot& out, std::string_view probe, const std::filesystem::path& root,
                  const std::filesystem::path& path, std::string message) {
  auto shown = display_path(root, path);
  spdlog::warn("event=probe_error probe={} path={} message={}", probe, log::q(shown), log::q(message));
  auto* e = out.add_errors();
  e->set_probe(std::string(probe));
  e->set_path(shown);
  e->set_message(std::move(message));
}

}  // namespace telltale::platform::linux_probe
