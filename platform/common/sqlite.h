#pragma once
// A thin RAII layer over sqlite3 shared by the agent spool and the collector
// store. Errors throw SqliteError carrying the statement's purpose and
// sqlite's message; SQLITE_FULL is distinguishable so callers can refuse
// work cleanly when the disk is full instead of pretending to have stored it.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <memory>

namespace telltale::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  bool disk_full() const { return (code_ & 0xff) == SQLITE_FULL || (code_ & 0xff) == SQLITE_IOERR; }

 private:
  int code_;
};

class Statement;
class Reused;

class Database {
 public:
  // Opens (creating) the file with WAL, synchronous=FULL and a busy timeout.
  explicit Database(const std::filesystem::path& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  // A statement prepared once and kept for the connection's life: hot paths
  // (ingest runs five statements per report) skip sqlite's parser, which the
  // load benchmark showed at ~8% of the collector's CPU. The guard resets it
  // at scope end so no cached statement holds a read snapshot open (in WAL
  // mode that would stop checkpoints).
  Reused reuse(std::string_view sql);
  int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3* handle() { return db_; }
  const std::filesystem::path& path() const { return path_; }
  [[noreturn]] void fail(int code, std::string_view context) const;

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> reused_;
};

class Statement {
 public:
  Statement(Database& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;

  Statement& bind(int i, int64_t v);
  Statement& bind_real(int i, double v);
  Statement& bind(int i, std::string_view v);   // TEXT
  Statement& bind_blob(int i, std::string_view v);
  Statement& bind_null(int i);
  // true while a row is available.
  bool step();
  void run() {
    while (step()) {
    }
  }
  void reset();

  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string text(int col) const;
  std::string blob(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  Database* db_;
  sqlite3_stmt* stmt_;
};

class Reused {
 public:
  explicit Reused(Statement& st) : st_(&st) {}
  ~Reused() { st_->reset(); }
  Reused(const Reused&) = delete;
  Reused& operator=(const Reused&) = delete;
  Statement* operator->() { return st_; }
  Statement& operator*() { return *st_; }

 private:
  Statement* st_;
};

// BEGIN IMMEDIATE … COMMIT; rolls back unless commit() ran. IMMEDIATE takes
// the write lock up front so two writers never deadlock upgrading.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace telltale::sqlite
