// Login, sessions, roles, CSRF and audit of the console's original endpoints,
// against a real ConsoleServer over HTTPS (see console_fixture.h).
#include "tests/console/console_fixture.h"

#include "platform/common/sqlite.h"

namespace {
using namespace telltale::console_test;
namespace json = boost::json;
namespace http {
// The verbs read as in Beast so these tests stayed as written.
namespace verb {
constexpr const char* get = "GET";
constexpr const char* post = "POST";
}  // namespace verb
}  // namespace http

TEST_F(ConsoleTest, FirstStart_WritesOneTimeAdminPasswordOwnerOnly) {
  EXPECT_EQ(admin_password_.size(), 24u);
  auto perms = std::filesystem::status(dir_ / "console-admin-password").permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all), std::filesystem::perms::none);
}

TEST_F(ConsoleTest, OneTimePassword_AllowsOnlyChangingIt) {
  auto s = login("admin", admin_password_);
  EXPECT_EQ(call(http::verb::get, "/api/v1/devices", {}, s.cookie).status, 403);
  auto r = call(http::verb::post, "/api/v1/password",
                json::serialize(json::object{{"old_password", admin_password_}, {"new_password", "correct horse battery"}}), s.cookie, s.csrf);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(call(http::verb::get, "/api/v1/devices", {}, s.cookie).status, 200);
}

TEST_F(ConsoleTest, SessionCookie_IsHttpOnlySecureSameSiteStrict) {
  auto r = call(http::verb::post, "/api/v1/login", R"({"username":"admin","password":")" + admin_password_ + "\"}");
  EXPECT_NE(r.set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(r.set_cookie.find("Secure"), std::string::npos);
  EXPECT_NE(r.set_cookie.find("SameSite=Strict"), std::string::npos);
}

TEST_F(ConsoleTest, EveryApiEndpoint_WithoutLogin_Is401) {
  for (auto [verb, target] : std::vector<std::pair<std::string, std::string>>{
           {http::verb::get, "/api/v1/me"}, {http::verb::get, "/api/v1/devices"}, {http::verb::get, "/api/v1/devices/dev-farm-1"},
           {http::verb::post, "/api/v1/devices/dev-farm-1/revoke"}, {http::verb::get, "/api/v1/clusters"},
           {http::verb::get, "/api/v1/users"}, {http::verb::post, "/api/v1/users"}, {http::verb::post, "/api/v1/api-tokens"},
           {http::verb::get, "/api/v1/audit"}, {http::verb::post, "/api/v1/logout"}, {http::verb::post, "/api/v1/password"}})
    EXPECT_EQ(call(verb, target, "{}").status, 401) << target;
}

TEST_F(ConsoleTest, WrongRole_Is403) {
  auto a = admin();
  auto viewer = user_with_role(a, "vera", "viewer");
  auto inv = user_with_role(a, "ivan", "investigator");
  EXPECT_EQ(call(http::verb::get, "/api/v1/devices", {}, viewer.cookie).status, 200);
  EXPECT_EQ(call(http::verb::get, "/api/v1/clusters", {}, viewer.cookie).status, 200);
  EXPECT_EQ(call(http::verb::get, "/api/v1/devices/dev-farm-1", {}, viewer.cookie).status, 403);
  EXPECT_EQ(call(http::verb::get, "/api/v1/devices/dev-farm-1", {}, inv.cookie).status, 200);
  EXPECT_EQ(call(http::verb::post, "/api/v1/devices/dev-farm-1/revoke", {}, inv.cookie, inv.csrf).status, 403);
  EXPECT_EQ(call(http::verb::get, "/api/v1/users", {}, inv.cookie).status, 403);
  EXPECT_EQ(call(http::verb::post, "/api/v1/users", R"({"username":"x","role":"admin"})", inv.cookie, inv.csrf).status, 403);
  EXPECT_EQ(call(http::verb::post, "/api/v1/api-tokens", R"({"username":"ivan"})", inv.cookie, inv.csrf).status, 403);
  EXPECT_EQ(call(http::verb::get, "/api/v1/audit", {}, inv.cookie).status, 403);
}

TEST_F(ConsoleTest, WriteWithoutCsrfToken_Is403AndAudited) {
  auto a = admin();
  EXPECT_EQ(call(http::verb::post, "/api/v1/users", R"({"username":"x","role":"viewer"})", a.cookie).status, 403);
  EXPECT_EQ(call(http::verb::post, "/api/v1/users", R"({"username":"x","role":"viewer"})", a.cookie, "forged").status, 403);
  EXPECT_EQ(call(http::verb::get, "/api/v1/users", {}, a.cookie).json().at("users").as_array().size(), 1u);
  EXPECT_EQ(audit_actions(a)[0], "csrf.refused");
}

TEST_F(ConsoleTest, BadJson_Is400) {
  auto a = admin();
  EXPECT_EQ(call(http::verb::post, "/api/v1/login", "{not json").status, 400);
  EXPECT_EQ(call(http::verb::post, "/api/v1/users", "{not json", a.cookie, a.csrf).status, 400);
  EXPECT_EQ(call(http::verb::post, "/api/v1/users", R"({"username":"x","role":"god"})", a.cookie, a.csrf).status, 400);
  EXPECT_EQ(call(http::verb::post, "/api/v1/api-tokens", "[]", a.cookie, a.csrf).status, 400);
  EXPECT_EQ(call(http::verb::post, "/api/v1/password", R"({"old_password":1})", a.cookie, a.csrf).status, 400);
}

TEST_F(ConsoleTest, EvidenceView_ReturnsVerdictIndicatorsAndIsAudited) {
  auto a = admin();
  auto r = call(http::verb::get, "/api/v1/devices/dev-farm-1", {}, a.cookie);
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = r.json().at("verdicts").as_array().at(0);
  EXPECT_EQ(v.at("level").as_string(), "puppeteered");
  EXPECT_EQ(v.at("verdict").at("indicators").as_array().at(0).at("id").as_string(), "kvm.pikvm");
  EXPECT_EQ(audit_actions(a)[0], "evidence.view");
  EXPECT_EQ(call(http::verb::get, "/api/v1/devices/nope", {}, a.cookie).status, 404);
}

TEST_F(ConsoleTest, DeviceList_CarriesLatestVerdict) {
  auto a = admin();
  auto d = call(http::verb::get, "/api/v1/devices", {}, a.cookie).json().at("devices").as_array().at(0);
  EXPECT_EQ(d.at("device_id").as_string(), "dev-farm-1");
  EXPECT_EQ(d.at("verdict").as_string(), "puppeteered");
}

TEST_F(ConsoleTest, AdminRevokesDevice_StoreSeesItAndAuditRecordsIt) {
  auto a = admin();
  EXPECT_EQ(call(http::verb::post, "/api/v1/devices/dev-farm-1/revoke", {}, a.cookie, a.csrf).status, 200);
  EXPECT_TRUE(store_->device("dev-farm-1")->revoked);
  EXPECT_EQ(audit_actions(a)[0], "device.revoke");
}

TEST_F(ConsoleTest, ApiToken_ReadsWithoutCookieOrCsrf) {
  auto a = admin();
  auto r = call(http::verb::post, "/api/v1/api-tokens", R"({"username":"admin"})", a.cookie, a.csrf);
  ASSERT_EQ(r.status, 201);
  std::string token(r.json().at("token").as_string());
  EXPECT_EQ(call(http::verb::get, "/api/v1/devices", {}, {}, {}, token).status, 200);
  EXPECT_EQ(call(http::verb::get, "/api/v1/devices", {}, {}, {}, "ttc_wrong").status, 401);
}

TEST_F(ConsoleTest, Logout_EndsSession) {
  auto a = admin();
  EXPECT_EQ(call(http::verb::post, "/api/v1/logout", {}, a.cookie, a.csrf).status, 200);
  EXPECT_EQ(call(http::verb::get, "/api/v1/me", {}, a.cookie).status, 401);
}

// A wait long enough that no machine is slow enough to see it end mid-test.
class SlowBackoffTest : public ConsoleTest {
 protected:
  void configure(telltale::server::console::ConsoleConfig& c) override { c.login_backoff_base_ms = 10 * 60 * 1000; }
};

TEST_F(SlowBackoffTest, RepeatedFailedLogins_AreRateLimitedAndAudited) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call(http::verb::post, "/api/v1/login", R"({"username":"admin","password":"guess"})").status, 401);
  // Even the right password is refused from this address while it waits
  // (from another address it is not: ConsoleLoginTest).
  auto r = call(http::verb::post, "/api/v1/login", R"({"username":"admin","password":")" + admin_password_ + "\"}");
  EXPECT_EQ(r.status, 429);
  telltale::sqlite::Database db(dir_ / "console.db");
  auto q = db.prepare("SELECT COUNT(*) FROM audit WHERE action='login.failed'");
  q.step();
  EXPECT_EQ(q.int64(0), 5);
}

TEST_F(ConsoleTest, AuditLog_RefusesUpdateAndDelete) {
  call(http::verb::post, "/api/v1/login", R"({"username":"admin","password":"guess"})");
  telltale::sqlite::Database db(dir_ / "console.db");
  EXPECT_THROW(db.exec("DELETE FROM audit"), telltale::sqlite::SqliteError);
  EXPECT_THROW(db.exec("UPDATE audit SET actor='x'"), telltale::sqlite::SqliteError);
}

TEST_F(ConsoleTest, Metrics_ShowVerdictCountsAndCollectorExtras) {
  auto r = call(http::verb::get, "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("telltale_verdicts{level=\"puppeteered\"} 1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("telltale_ingest_reports_total 7"), std::string::npos);
}

}  // namespace
