#pragma once
#include <filesystem>
#include <string_view>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::platform::linux_probe {

// ROOT/relative. `relative` never starts with '/': every probe path is below the root.
inline std::filesystem::path under(const std::filesystem::path& root, std::string_view relative) {
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  return root / relative;
}

// Path shown in errors: relative to the root, so fixture and real machine read alike.
std::string display_path(const std::filesystem::path& root, const std::filesystem::path& path);

void record_error(telltale::v1::Snapshot& out, std::string_view probe, const std::filesystem::path& root,
                  const std::filesystem::path& path, std::string message);

}  // namespace telltale::platform::linux_probe
