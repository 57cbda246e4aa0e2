// The credential lifecycle (hardening finding 10): what a password, a role or
// an account opened ends with it; API tokens expire, are listed and revoked;
// users are disabled and enabled by an admin; every step is audited.
#include <algorithm>
#include <thread>

#include <unistd.h>

#include "platform/common/hash.h"
#include "platform/common/sqlite.h"
#include "server/console/console_db.h"
#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

class CredentialsTest : public ConsoleTest {
 protected:
  std::string token_for(const Session& a, const std::string& user, const std::string& extra = "") {
    auto r = post(a, "/api/v1/api-tokens", R"({"username":")" + user + "\"" + extra + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.json().at("token").as_string()) : "";
  }
  int as_token(const std::string& token, const std::string& path = "/api/v1/devices") {
    return call("GET", path, {}, {}, {}, token).status;
  }
};

TEST_F(CredentialsTest, PasswordChange_EndsOtherSessionsAndApiTokens_KeepsTheOneThatChangedIt) {
  auto a = admin();
  auto inv = user_with_role(a, "ivy", "investigator");
  auto other = login("ivy", "ivy-password-long");
  const std::string token = token_for(a, "ivy");
  ASSERT_EQ(as_token(token), 200);
  ASSERT_EQ(get(other, "/api/v1/devices").status, 200);

  auto r = post(inv, "/api/v1/password", R"({"old_password":"ivy-password-long","new_password":"ivy-new-passphrase"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("sessions_ended").as_int64(), 1);
  EXPECT_EQ(r.json().at("api_tokens_revoked").as_int64(), 1);
  EXPECT_EQ(get(inv, "/api/v1/devices").status, 200);    // the session that changed it
  EXPECT_EQ(get(other, "/api/v1/devices").status, 401);  // a stolen cookie
  EXPECT_EQ(as_token(token), 401);                       // a stolen token
  EXPECT_EQ(call("POST", "/api/v1/login", R"({"username":"ivy","password":"ivy-password-long"})").status, 401);
  EXPECT_TRUE(has(audit_actions(a), "password.change"));
}

TEST_F(CredentialsTest, ApiTokens_ExpireAreListedWithoutSecretsAndRevoke) {
  auto a = admin();
  user_with_role(a, "vic", "viewer");
  auto created = post(a, "/api/v1/api-tokens", R"({"username":"vic"})");
  ASSERT_EQ(created.status, 201);
  const std::string id(created.json().at("id").as_string()), secret(created.json().at("token").as_string());
  const int64_t expires = created.json().at("expires_unix_ms").as_int64();
  EXPECT_NEAR(static_cast<double>(expires - now_ms()), 90.0 * 86400000, 60000);  // the default lifetime
  auto short_lived = post(a, "/api/v1/api-tokens", R"({"username":"vic","ttl_days":7})");
  ASSERT_EQ(short_lived.status, 201);
  EXPECT_NEAR(static_cast<double>(short_lived.json().at("expires_unix_ms").as_int64() - now_ms()), 7.0 * 86400000, 60000);
  for (const char* bad : {R"({"username":"vic","ttl_days":0})", R"({"username":"vic","ttl_days":367})",
                          R"({"username":"vic","ttl_days":"7"})", R"({"username":"nobody"})"})
    EXPECT_NE(post(a, "/api/v1/api-tokens", bad).status, 201) << bad;

  auto listed = get(a, "/api/v1/api-tokens");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(secret), std::string::npos);
  EXPECT_EQ(listed.body.find("secret"), std::string::npos);
  bool found = false;
  const auto listed_json = listed.json();
  for (auto& t : listed_json.at("tokens").as_array())
    if (t.at("id").as_string() == id) {
      found = true;
      EXPECT_EQ(t.at("username").as_string(), "vic");
      EXPECT_EQ(t.at("state").as_string(), "valid");
      EXPECT_EQ(t.at("created_by").as_string(), "admin");
    }
  EXPECT_TRUE(found);

  ASSERT_EQ(as_token(secret), 200);
  ASSERT_EQ(post(a, "/api/v1/api-tokens/" + id + "/revoke", "").status, 200);
  EXPECT_EQ(as_token(secret), 401);
  EXPECT_EQ(post(a, "/api/v1/api-tokens/" + id + "/revoke", "").status, 409);
  EXPECT_EQ(post(a, "/api/v1/api-tokens/nope/revoke", "").status, 404);

  // Expiry: a token issued (straight into console.db) for one millisecond.
  {
    telltale::server::console::ConsoleDb db(dir_ / "console.db");
    auto brief = db.create_api_token("vic", now_ms(), 1, "test");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(as_token(brief.secret), 401);
    bool expired = false;
    const auto now_listed = get(a, "/api/v1/api-tokens").json();
    for (auto& t : now_listed.at("tokens").as_array())
      expired |= t.at("id").as_string() == brief.id && t.at("state").as_string() == "expired";
    EXPECT_TRUE(expired);
  }
  auto actions = audit_actions(a);
  EXPECT_TRUE(has(actions, "api_token.create"));
  EXPECT_TRUE(has(actions, "api_token.list"));
  EXPECT_TRUE(has(actions, "api_token.revoke"));
}

TEST_F(CredentialsTest, DisabledUser_CannotLogInAndItsSessionsAndTokensStop_UntilEnabled) {
  auto a = admin();
  auto dan = user_with_role(a, "dan", "investigator");
  const std::string token = token_for(a, "dan");
  ASSERT_EQ(as_token(token), 200);

  auto r = post(a, "/api/v1/users/dan/disable", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(get(dan, "/api/v1/devices").status, 401);
  EXPECT_EQ(as_token(token), 401);
  EXPECT_EQ(call("POST", "/api/v1/login", R"({"username":"dan","password":"dan-password-long"})").status, 403);
  EXPECT_NE(post(a, "/api/v1/api-tokens", R"({"username":"dan"})").status, 201);
  bool listed_disabled = false;
  const auto users = get(a, "/api/v1/users").json();
  for (auto& u : users.at("users").as_array())
    listed_disabled |= u.at("username").as_string() == "dan" && u.at("disabled").as_bool();
  EXPECT_TRUE(listed_disabled);
  // Neither yourself nor the last admin.
  EXPECT_EQ(post(a, "/api/v1/users/admin/disable", "").status, 409);
  EXPECT_EQ(post(a, "/api/v1/users/nobody/disable", "").status, 404);
  EXPECT_EQ(post(dan, "/api/v1/users/dan/enable", "").status, 401);

  ASSERT_EQ(post(a, "/api/v1/users/dan/enable", "").status, 200);
  auto back = login("dan", "dan-password-long");
  EXPECT_EQ(get(back, "/api/v1/devices").status, 200);
  EXPECT_EQ(as_token(token), 401);  // revoked tokens stay revoked
  auto actions = audit_actions(a);
  EXPECT_TRUE(has(actions, "user.disable"));
  EXPECT_TRUE(has(actions, "user.enable"));
  EXPECT_TRUE(has(actions, "login.disabled"));
}

TEST_F(CredentialsTest, DemotedUser_LosesSessionsAndTokensIssuedForTheHigherRole) {
  auto a = admin();
  auto eve = user_with_role(a, "eve", "admin");
  const std::string token = token_for(a, "eve");
  ASSERT_EQ(as_token(token, "/api/v1/audit"), 200);
  ASSERT_EQ(post(a, "/api/v1/users/eve/role", R"({"role":"viewer"})").status, 200);
  EXPECT_EQ(as_token(token, "/api/v1/audit"), 401);
  EXPECT_EQ(as_token(token), 401);
  EXPECT_EQ(get(eve, "/api/v1/audit").status, 401);
  // Promotion ends nothing.
  auto viewer = login("eve", "eve-password-long");
  ASSERT_EQ(post(a, "/api/v1/users/eve/role", R"({"role":"investigator"})").status, 200);
  EXPECT_EQ(get(viewer, "/api/v1/devices").status, 200);
  bool audited = false;
  for (auto& e : audit_entries(a))
    audited |= e.at("action").as_string() == "user.role" &&
               std::string(e.at("detail").as_string()).find("api_tokens_revoked=1") != std::string::npos;
  EXPECT_TRUE(audited);
}

// A console.db from before token expiry (schema step 1, the old audit
// trigger) keeps its users and tokens: tokens get an id and 90 days from their
// creation, the audit log stays closed to every change but a growing count.
TEST(ConsoleDbMigration, TokensFromBeforeExpiry_GetAnIdAndNinetyDaysAndKeepWorking) {
  auto dir = std::filesystem::temp_directory_path() / ("console-migrate2-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const int64_t created = now_ms() - 10LL * 86400000;
  const std::string secret = "ttc_0123456789abcdef0123456789abcdef0123456789abcdef";
  {
    telltale::sqlite::Database old(dir / "console.db");
    old.exec(R"(
      CREATE TABLE users(username TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT NOT NULL,
        must_change INTEGER NOT NULL, created_unix_ms INTEGER NOT NULL);
      CREATE TABLE sessions(id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
        expires_unix_ms INTEGER NOT NULL);
      CREATE TABLE api_tokens(secret_hash TEXT PRIMARY KEY, username TEXT NOT NULL, created_unix_ms INTEGER NOT NULL);
      CREATE TABLE audit(id INTEGER PRIMARY KEY AUTOINCREMENT, unix_ms INTEGER NOT NULL,
        actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, peer TEXT NOT NULL, detail TEXT NOT NULL);
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'append-only'); END;
      INSERT INTO users VALUES('olga','admin','pbkdf2-sha256$1$00$00',0,1);
      INSERT INTO audit(unix_ms, actor, action, target, peer, detail) VALUES(1,'olga','login','olga','127.0.0.1','');
      PRAGMA user_version = 1;
    )");
    old.prepare("INSERT INTO api_tokens VALUES(?,?,?)")
        .bind(1, telltale::sha256_hex(secret)).bind(2, "olga").bind(3, created).run();
  }
  {
    telltale::server::console::ConsoleDb db(dir / "console.db");
    auto tokens = db.api_tokens();
    ASSERT_EQ(tokens.size(), 1u);
    EXPECT_EQ(tokens[0].id.size(), 16u);
    EXPECT_EQ(tokens[0].expires_unix_ms, created + 90LL * 86400000);
    EXPECT_TRUE(db.api_token(secret, now_ms()));
    EXPECT_FALSE(db.users()[0].disabled);
    auto log = db.audit_log(10);
    ASSERT_EQ(log.size(), 1u);
    db.audit_repeat(log[0].id);
    EXPECT_EQ(db.audit_log(10)[0].repeats, 2);
    EXPECT_THROW(db.raw().exec("UPDATE audit SET actor='mallory'"), telltale::sqlite::SqliteError);
    EXPECT_TRUE(db.revoke_api_token(tokens[0].id, now_ms(), "test"));
    EXPECT_FALSE(db.api_token(secret, now_ms()));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
