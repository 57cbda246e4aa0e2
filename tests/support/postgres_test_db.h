#pragma once
// A private PostgreSQL schema per test on the server the CTest fixture
// postgres_start runs (tests/support/postgres-server): every test starts
// from an empty database without paying for CREATE DATABASE, and two Store
// instances opened on url() share it as two collectors would.
#include <pqxx/pqxx>

#include <atomic>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>

namespace telltale::testing {

// The server's URL, or nullopt when the fixture did not run (the test then
// skips and says why).
inline std::optional<std::string> postgres_server_url() {
  std::ifstream in(std::string(TELLTALE_BINARY_DIR) + "/postgres/url");
  std::string url;
  if (!(in >> url)) return std::nullopt;
  return url;
}

class PostgresTestSchema {
 public:
  explicit PostgresTestSchema(const std::string& server_url) : server_url_(server_url) {
    static std::atomic<int> counter{0};
    name_ = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
  }
  ~PostgresTestSchema() {
    try {
      exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    } catch (...) {
      // the server may be the thing a test stopped; the fixture removes it all
    }
  }
  PostgresTestSchema(const PostgresTestSchema&) = delete;

  // A URL whose connections see only this schema (libpq's options= in the URI).
  std::string url() const { return server_url_ + "?options=-csearch_path%3D" + name_; }
  // Runs sql with this schema first on the search path.
  void exec(const std::string& sql) const {
    pqxx::connection c(url());
    pqxx::nontransaction tx(c);
    tx.exec(sql);
  }
  int64_t query_int(const std::string& sql) const {
    pqxx::connection c(url());
    pqxx::nontransaction tx(c);
    return tx.exec(sql)[0][0].as<int64_t>();
  }
  const std::string& name() const { return name_; }

 private:
  std::string server_url_;
  std::string name_;
};

}  // namespace telltale::testing
