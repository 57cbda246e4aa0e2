#pragma once
// Runs one store test against every backend. A test opens stores with
// open() (each call a new Store on the same database, as a second collector
// would have) and reaches below the interface only through query_int /
// mark_schema_version, which speak each backend's own SQL.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>

#include "server/store/open_store.h"
#include "support/postgres_test_db.h"
#include "support/temp_dir.h"

namespace telltale::server {

class StoreBackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      auto server = testing::postgres_server_url();
      if (!server) GTEST_SKIP() << "no PostgreSQL server: run through ctest (fixture postgres_start)";
      schema_.emplace(*server);
      target_ = schema_->url();
    } else {
      target_ = (dir_.path() / "t.db").string();
    }
  }

  bool postgres() const { return GetParam() == "postgresql"; }
  const std::string& target() const { return target_; }
  std::unique_ptr<Store> open() { return open_store(target_); }

  int64_t query_int(const std::string& sql) {
    if (postgres()) return schema_->query_int(sql);
    sqlite3* db = nullptr;
    sqlite3_open(target_.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    int64_t value = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      value = sqlite3_column_int64(st, 0);
    else
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return value;
  }
  // The PostgreSQL schema this test's stores live in ("" for sqlite).
  std::string schema_name() const { return schema_ ? schema_->name() : ""; }
  std::string length_function() const { return postgres() ? "octet_length" : "length"; }

  // Enrolls device `id` through a single-use token, as the enrollment service would.
  static void enroll_device(Store& store, const std::string& id) {
    TokenRecord t;
    t.id = "tok-" + id;
    t.secret_hash = "hash-" + id;
    t.expires_unix_ms = int64_t{1} << 50;
    t.max_uses = 1;
    store.add_token(t);
    DeviceRecord d;
    d.device_id = id;
    d.identity_hash = "hw-" + id;
    ASSERT_EQ(store.enroll(t.secret_hash, 1, d).status, EnrollStatus::kOk);
  }

  // Pretends a newer Telltale migrated the database.
  void mark_schema_version(int version) {
    if (postgres()) {
      schema_->exec("INSERT INTO telltale_schema(version) VALUES(" + std::to_string(version) + ")");
      return;
    }
    sqlite3* db = nullptr;
    sqlite3_open(target_.c_str(), &db);
    sqlite3_exec(db, ("PRAGMA user_version=" + std::to_string(version)).c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }

 private:
  testing::TempDir dir_;
  std::optional<testing::PostgresTestSchema> schema_;
  std::string target_;
};

#define INSTANTIATE_STORE_BACKENDS(fixture)                                               \
  INSTANTIATE_TEST_SUITE_P(Backends, fixture, ::testing::Values("sqlite", "postgresql"), \
                           [](const auto& info) { return info.param; })

}  // namespace telltale::server
