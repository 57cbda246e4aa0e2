// Logins against hostile callers (hardening findings 7, 8 and 13), on the
// console API with its real database: oversized names are refused before
// anything is stored, refused attempts fold into one audit row, guessing from
// one address never locks the right password out from another, the wait
// doubles with every further failure, and a missing user costs exactly the
// password hash a real one does.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "platform/common/hash.h"
#include "server/console/console_api.h"
#include "server/store/sqlite_store.h"

namespace {
namespace json = boost::json;
using namespace telltale::server;
using namespace telltale::server::console;

class ConsoleLoginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("console-login-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    store_ = std::make_unique<SqliteStore>(dir_ / "store.db");
    db_ = std::make_unique<ConsoleDb>(dir_ / "console.db");
    otp_ = db_->create_user("alice", Role::kAdmin, 1);
    make_api();
  }
  void TearDown() override {
    api_.reset();
    db_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void make_api() { api_ = std::make_unique<ConsoleApi>(*db_, *store_, options_); }

  HttpResponse login(const std::string& user, const std::string& password, const std::string& peer) {
    HttpRequest req;
    req.method = "POST";
    req.target = "/api/v1/login";
    req.body = json::serialize(json::object{{"username", user}, {"password", password}});
    req.peer = peer;
    return api_->handle(req);
  }
  int64_t audit_rows() {
    auto q = db_->raw().prepare("SELECT COUNT(*) FROM audit");
    q.step();
    return q.int64(0);
  }
  std::vector<AuditEntry> audit_of(const std::string& action) {
    std::vector<AuditEntry> out;
    for (auto& e : db_->audit_log(100000))
      if (e.action == action) out.push_back(e);
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<ConsoleDb> db_;
  std::unique_ptr<ConsoleApi> api_;
  ApiOptions options_;
  std::string otp_;
};

TEST_F(ConsoleLoginTest, MegabyteUserNames_AreRefusedBeforeAnythingIsStored) {
  const int64_t rows_before = audit_rows();
  db_->raw().exec("PRAGMA wal_checkpoint(TRUNCATE)");
  auto size = [&] {
    uintmax_t n = 0;
    for (auto& f : std::filesystem::directory_iterator(dir_))
      if (f.path().filename().string().rfind("console.db", 0) == 0) n += f.file_size();
    return n;
  };
  const auto bytes_before = size();
  const std::string huge(1000000, 'x');
  for (int i = 0; i < 20; ++i) {
    auto r = login(huge + std::to_string(i), "whatever", "203.0.113.5");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("1 to 64 bytes"), std::string::npos) << r.body.substr(0, 200);
  }
  // 65 bytes is one too many; 64 is an ordinary (failed) attempt.
  EXPECT_EQ(login(std::string(65, 'u'), "whatever", "203.0.113.5").status, 400);
  EXPECT_EQ(audit_rows(), rows_before);
  EXPECT_EQ(login(std::string(64, 'u'), "whatever", "203.0.113.5").status, 401);
  EXPECT_EQ(audit_rows(), rows_before + 1);
  // The database did not take the names in: less than one name's worth of growth.
  std::cout << "figure: console.db grew by " << (size() - bytes_before) << " bytes over 20 one-megabyte names and 2 "
            << "ordinary attempts\n";
  EXPECT_LT(size(), bytes_before + huge.size());
  // A 1 MB password is refused the same way, without being hashed.
  const auto hashes = password_hash_count();
  EXPECT_EQ(login("alice", std::string(1 << 20, 'p'), "203.0.113.5").status, 400);
  EXPECT_EQ(password_hash_count(), hashes);
}

TEST_F(ConsoleLoginTest, RateLimitedAttempts_FoldIntoOneAuditRowPerWait) {
  options_.login_backoff_base_ms = 60000;
  make_api();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(login("alice", "wrong-" + std::to_string(i), "203.0.113.9").status, 401);
  const int64_t rows = audit_rows();
  for (int i = 0; i < 50; ++i) {
    auto r = login("alice", "wrong-again", "203.0.113.9");
    EXPECT_EQ(r.status, 429) << r.body;
  }
  auto limited = audit_of("login.rate_limited");
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0].repeats, 50);
  EXPECT_EQ(audit_rows(), rows + 1);
  // The row may only count up: nothing else in the audit log can be rewritten.
  EXPECT_THROW(db_->raw().exec("UPDATE audit SET detail='x' WHERE action='login.rate_limited'"), std::exception);
  EXPECT_THROW(db_->raw().exec("UPDATE audit SET repeats=1 WHERE action='login.rate_limited'"), std::exception);
  EXPECT_THROW(db_->raw().exec("DELETE FROM audit"), std::exception);
}

TEST_F(ConsoleLoginTest, FiveWrongPasswordsFromOneAddress_DoNotLockTheRightPasswordOutFromAnother) {
  options_.login_backoff_base_ms = 15 * 60 * 1000;
  make_api();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(login("alice", "guess-" + std::to_string(i), "203.0.113.66").status, 401);
  // The guesser's address waits, even with the right password...
  auto blocked = login("alice", otp_, "203.0.113.66");
  EXPECT_EQ(blocked.status, 429) << blocked.body;
  // ...and alice, elsewhere, gets in at once.
  auto ok = login("alice", otp_, "198.51.100.7");
  EXPECT_EQ(ok.status, 200) << ok.body;
  // Other users from the guesser's address are not affected either.
  db_->create_user("bob", Role::kViewer, 1);
  EXPECT_EQ(login("bob", "wrong", "203.0.113.66").status, 401);
}

TEST_F(ConsoleLoginTest, EveryFailureAfterTheFreeOnes_DoublesTheWait) {
  options_.login_free_failures = 3;
  options_.login_backoff_base_ms = 40;
  make_api();
  std::vector<int64_t> waits;
  for (int i = 0; i < 6; ++i) {
    // Wait out the current backoff (the throttle refuses inside it).
    HttpResponse r;
    for (;;) {
      r = login("alice", "wrong", "192.0.2.10");
      if (r.status != 429) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(r.status, 401);
  }
  for (auto& e : audit_of("login.failed")) {
    const std::string key = "next_attempt_after_ms=";
    if (e.detail.rfind(key, 0) == 0) waits.push_back(std::stoll(e.detail.substr(key.size())));
  }
  std::reverse(waits.begin(), waits.end());  // audit_log is newest first
  ASSERT_EQ(waits.size(), 4u);               // failures 3..6
  EXPECT_EQ(waits[0], 40);
  for (size_t i = 1; i < waits.size(); ++i) EXPECT_EQ(waits[i], 2 * waits[i - 1]);
  // A success clears the key.
  for (;;) {
    auto r = login("alice", otp_, "192.0.2.10");
    if (r.status == 200) break;
    ASSERT_EQ(r.status, 429);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(login("alice", "wrong", "192.0.2.10").status, 401);
}

TEST_F(ConsoleLoginTest, UnknownUserAndWrongPassword_CostExactlyOnePasswordHashEach) {
  db_->create_user("carol", Role::kViewer, 1);
  db_->set_disabled("carol", true);
  struct Case {
    const char* user;
    const char* password;
  };
  std::vector<std::pair<std::string, uint64_t>> cost;
  for (const Case c : {Case{"alice", "wrong-password"}, Case{"nobody", "wrong-password"}, Case{"Alice", "x"},
                       Case{"carol", "wrong-password"}, Case{"", "x"}}) {
    if (std::string(c.user).empty()) continue;
    const auto before = password_hash_count();
    EXPECT_EQ(login(c.user, c.password, "192.0.2.77").status, 401);
    cost.emplace_back(c.user, password_hash_count() - before);
  }
  for (auto& [user, n] : cost) EXPECT_EQ(n, 1u) << user;
  const auto before = password_hash_count();
  EXPECT_EQ(login("alice", otp_, "192.0.2.77").status, 200);
  EXPECT_EQ(password_hash_count() - before, 1u);

  // And by the clock, within one run: medians of the same work, a missing
  // user no slower than 1.5x a real one (it used to take two hashes).
  // Interleaved, so load on the machine hits both alike.
  std::vector<double> known_ms, unknown_ms;
  auto time_one = [&](const char* user, int i) {
    auto start = std::chrono::steady_clock::now();
    login(user, "wrong-password", "192.0.2." + std::to_string(100 + i));
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  for (int i = 0; i < 9; ++i) {
    known_ms.push_back(time_one("alice", i));
    unknown_ms.push_back(time_one("nobody-at-all", i));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double known = median(known_ms), unknown = median(unknown_ms);
  std::cout << "figure: failed login median known user " << known << " ms, unknown user " << unknown << " ms\n";
  EXPECT_LT(unknown, 1.5 * known);
  EXPECT_LT(known, 1.5 * unknown);
}

}  // namespace
