#pragma once
// Online backup and offline restore of the collector's sqlite store.
//
// Backup copies a consistent snapshot with sqlite's backup API while the
// collector keeps ingesting: in WAL mode the copy is one read transaction,
// which never blocks the writer. Restore is offline (the collector stopped)
// and keeps the database it replaces beside it.
#include <cstdint>
#include <filesystem>

namespace telltale::server {

struct SqliteCopy {
  uint64_t pages = 0;
  uint64_t bytes = 0;
  int schema_version = 0;  // PRAGMA user_version of the copy
  uint64_t devices = 0;
  uint64_t reports = 0;
};

// Copies `live` to `to` (written as to.partial, integrity-checked, fsynced,
// then renamed). Refuses to overwrite an existing `to`. Throws
// std::runtime_error naming the file and the cause.
SqliteCopy backup_sqlite(const std::filesystem::path& live, const std::filesystem::path& to);

// Checks `backup` (sqlite integrity, a Telltale store, a schema version this
// build understands), makes sure nothing has `live` open, moves `live` to
// `replaced_to` and installs a copy of `backup` in its place. Throws with
// the cause; on any failure before the move, `live` is untouched.
SqliteCopy restore_sqlite(const std::filesystem::path& backup, const std::filesystem::path& live,
                          const std::filesystem::path& replaced_to);

}  // namespace telltale::server
