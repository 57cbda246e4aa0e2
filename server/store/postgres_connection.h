#pragma once
// One pooled PostgreSQL connection of PostgresStore (private to the store's
// .cpp files: pqxx stays out of postgres_store.h).
#include <pqxx/pqxx>

#include <set>
#include <string>

namespace telltale::server {

class PgConnection : public pqxx::connection {
 public:
  using pqxx::connection::connection;

  // Runs a hot-path statement, preparing it on this connection the first
  // time: parse and plan time would otherwise be a large part of each call.
  template <typename... Args>
  pqxx::result run_prepared(pqxx::work& tx, const char* name, const char* sql, Args&&... args) {
    if (prepared_.insert(name).second) prepare(name, sql);
    return tx.exec_prepared(name, std::forward<Args>(args)...);
  }

 private:
  std::set<std::string> prepared_;
};

inline std::string pg_bytes(const pqxx::field& f) { return pqxx::binarystring(f).str(); }
inline int64_t pg_int(const pqxx::field& f) { return f.as<int64_t>(); }

}  // namespace telltale::server
