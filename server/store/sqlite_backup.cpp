#include "server/store/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "server/store/sqlite_store.h"

namespace telltale::server {
namespace fs = std::filesystem;
namespace {

class Connection {
 public:
  Connection(const fs::path& path, int flags) : path_(path) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw std::runtime_error(path.string() + ": cannot open: " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
  }
  ~Connection() { sqlite3_close_v2(db_); }
  Connection(const Connection&) = delete;

  sqlite3* get() { return db_; }
  // First column of the first row, as text ("" when there is no row).
  std::string scalar(const char* sql) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &st, nullptr);
    std::string out;
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(st, 0);
        out = text ? reinterpret_cast<const char*>(text) : "";
        rc = SQLITE_OK;
      } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
      }
    }
    const std::string msg = sqlite3_errmsg(db_);
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) throw std::runtime_error(path_.string() + ": " + sql + ": " + msg);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
  fs::path path_;
};

void fsync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error(path.string() + ": fsync failed");
  }
  ::close(fd);
}

// Everything a restore or a finished backup must be able to say about a copy.
SqliteCopy inspect(const fs::path& path) {
  Connection c(path, SQLITE_OPEN_READONLY);
  std::string check;
  try {
    check = c.scalar("PRAGMA integrity_check");
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + " is not a readable sqlite database (" + e.what() + ")");
  }
  if (check != "ok") throw std::runtime_error(path.string() + ": integrity check failed: " + check);
  SqliteCopy copy;
  copy.schema_version = std::stoi(c.scalar("PRAGMA user_version"));
  if (copy.schema_version > SqliteStore::kSchemaVersion)
    throw std::runtime_error(path.string() + ": schema version " + std::to_string(copy.schema_version) +
                             " is newer than this build understands (" + std::to_string(SqliteStore::kSchemaVersion) +
                             ")");
  for (const char* table : {"devices", "reports", "tokens"})
    if (c.scalar((std::string("SELECT name FROM sqlite_master WHERE type='table' AND name='") + table + "'").c_str())
            .empty())
      throw std::runtime_error(path.string() + " is not a Telltale store (no table " + table + ")");
  copy.devices = std::stoull(c.scalar("SELECT COUNT(*) FROM devices"));
  copy.reports = std::stoull(c.scalar("SELECT COUNT(*) FROM reports"));
  copy.pages = std::stoull(c.scalar("PRAGMA page_count"));
  copy.bytes = copy.pages * std::stoull(c.scalar("PRAGMA page_size"));
  return copy;
}

void remove_quietly(const fs::path& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
  fs::remove(path.string() + "-journal", ignored);
}

// The file sqlite wrote through the backup API, as one self-contained file
// (rollback journal mode: no -wal beside it to lose in a copy).
void copy_database(const fs::path& from, const fs::path& to) {
  // Read-write although nothing is written: a read-only connection cannot
  // open a WAL database whose -shm is gone (collector stopped).
  Connection source(from, SQLITE_OPEN_READWRITE);
  Connection dest(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3_busy_timeout(source.get(), 5000);
  sqlite3_backup* b = sqlite3_backup_init(dest.get(), "main", source.get(), "main");
  if (!b) throw std::runtime_error(to.string() + ": cannot start the backup: " + sqlite3_errmsg(dest.get()));
  // All pages in one step: one read transaction, so the copy is consistent
  // and, in WAL mode, never restarted by the collector's writes (a
  // page-by-page copy restarts whenever another connection writes, and a
  // busy collector writes every few milliseconds).
  const int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE)
    throw std::runtime_error(from.string() + " -> " + to.string() + ": backup failed: " + sqlite3_errstr(rc));
  dest.scalar("PRAGMA journal_mode=DELETE");
}

}  // namespace

SqliteCopy backup_sqlite(const fs::path& live, const fs::path& to) {
  if (!fs::exists(live)) throw std::runtime_error(live.string() + ": no database to back up");
  if (fs::exists(to)) throw std::runtime_error(to.string() + " already exists: choose a new file name");
  const fs::path partial = to.string() + ".partial";
  remove_quietly(partial);
  try {
    copy_database(live, partial);
    auto copy = inspect(partial);
    fsync_path(partial);
    fs::rename(partial, to);
    fsync_path(to.parent_path().empty() ? fs::path(".") : to.parent_path());
    return copy;
  } catch (...) {
    remove_quietly(partial);
    throw;
  }
}

SqliteCopy restore_sqlite(const fs::path& backup, const fs::path& live, const fs::path& replaced_to) {
  const auto copy = inspect(backup);
  if (fs::exists(replaced_to)) throw std::runtime_error(replaced_to.string() + " already exists");
  if (fs::exists(live)) {
    // A running collector holds the database open; an exclusive lock in
    // exclusive locking mode is refused while any other connection has it
    // (WAL readers included).
    Connection probe(live, SQLITE_OPEN_READWRITE);
    try {
      probe.scalar("PRAGMA locking_mode=EXCLUSIVE");
      probe.scalar("BEGIN EXCLUSIVE");
      probe.scalar("COMMIT");
    } catch (const std::exception& e) {
      throw std::runtime_error(live.string() + " is in use (stop telltale-collector first): " + e.what());
    }
  }
  // The probe closed: sqlite checkpointed and removed any -wal/-shm.
  const fs::path partial = live.string() + ".restoring";
  remove_quietly(partial);
  try {
    copy_database(backup, partial);
    fsync_path(partial);
  } catch (...) {
    remove_quietly(partial);
    throw;
  }
  if (fs::exists(live)) fs::rename(live, replaced_to);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::error_code ignored;
    fs::remove(live.string() + suffix, ignored);
  }
  fs::rename(partial, live);
  fsync_path(live.parent_path().empty() ? fs::path(".") : live.parent_path());
  return copy;
}

}  // namespace telltale::server
