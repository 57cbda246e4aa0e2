#pragma once
// Reading a test collector's database directly, to check what was stored.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "server/store/sqlite_store.h"

namespace telltale::testing {

// Every seq stored for a device, ascending.
inline std::vector<uint64_t> stored_seqs(const std::filesystem::path& data_dir, const std::string& device) {
  server::SqliteStore store(data_dir / "telltale.db");
  std::vector<uint64_t> seqs;
  for (const auto& r : store.reports(device, 1000000)) seqs.push_back(r.seq);
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

}  // namespace telltale::testing
