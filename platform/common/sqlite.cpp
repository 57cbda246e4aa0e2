#include "platform/common/sqlite.h"

namespace telltale::sqlite {

Database::Database(const std::filesystem::path& path) : path_(path) {
  // sqlite wants UTF-8 on every OS; path::c_str() is UTF-16 on Windows.
  const auto utf8 = path.u8string();
  int rc = sqlite3_open_v2(reinterpret_cast<const char*>(utf8.c_str()), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, "cannot open database " + path.string() + ": " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  // FULL: a commit is on disk before we acknowledge anything built on it.
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
}

Database::~Database() {
  reused_.clear();  // finalized before the close, or the connection lingers as a zombie
  sqlite3_close_v2(db_);
}

Reused Database::reuse(std::string_view sql) {
  auto it = reused_.find(std::string(sql));
  if (it == reused_.end())
    it = reused_.emplace(std::string(sql), std::make_unique<Statement>(prepare(sql))).first;
  return Reused(*it->second);
}

void Database::fail(int code, std::string_view context) const {
  throw SqliteError(code, path_.filename().string() + ": " + std::string(context) + ": " + sqlite3_errmsg(db_));
}

void Database::exec(std::string_view sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(rc, path_.filename().string() + ": " + std::string(sql.substr(0, 60)) + ": " + msg);
  }
}

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) fail(rc, "prepare \"" + std::string(sql.substr(0, 60)) + "\"");
  return Statement(*this, stmt);
}

Statement& Statement::bind(int i, int64_t v) {
  if (int rc = sqlite3_bind_int64(stmt_, i, v); rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}
Statement& Statement::bind_real(int i, double v) {
  if (int rc = sqlite3_bind_double(stmt_, i, v); rc != SQLITE_OK) db_->fail(rc, "bind");
  return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
  if (int rc = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); rc != SQLITE_OK)
    db_->fail(rc, "bind");
  return *this;
}
Statement& Statement::bind_blob(int i, std::string_view v) {
  if (int rc = sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); rc != SQLITE_OK)
    db_->fail(rc, "bind");
  return *this;
}
Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "";
  sqlite3_reset(stmt_);
  db_->fail(rc, "\"" + sql.substr(0, 60) + "\"");
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int col) const {
  auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}
std::string Statement::blob(int col) const {
  auto* p = sqlite3_column_blob(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace telltale::sqlite
