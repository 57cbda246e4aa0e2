#pragma once
// Shared by the issue-4 sensor tests: fixture location, running one probe on a
// root, and throw-away roots for bad-input cases.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "platform/probe.h"

namespace sensor_test {

inline const std::filesystem::path kFixtures = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures";

inline telltale::v1::Snapshot collect_from(telltale::platform::Probe& probe, const std::filesystem::path& root,
                                           const telltale::v1::Watchlist* watchlist = nullptr) {
  telltale::v1::Snapshot s;
  telltale::platform::ProbeContext ctx;
  ctx.root = root;
  ctx.watchlist = watchlist;
  probe.collect(ctx, s);
  return s;
}

// A fresh directory under /tmp, removed with everything in it on destruction.
struct TempRoot {
  std::filesystem::path path;
  explicit TempRoot(const std::string& tag) {
    path = std::filesystem::temp_directory_path() / ("tt-s2-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempRoot() { std::filesystem::remove_all(path); }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;
  void put(const std::string& rel, const std::string& bytes) const {
    std::filesystem::create_directories((path / rel).parent_path());
    std::ofstream(path / rel, std::ios::binary) << bytes;
  }
};

}  // namespace sensor_test
