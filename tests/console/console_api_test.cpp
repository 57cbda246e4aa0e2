// Drives a real ConsoleServer over HTTPS on 127.0.0.1 with a Beast client,
// backed by a SqliteStore in a temp dir.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <random>

#include "platform/common/hash.h"
#include "platform/common/sqlite.h"
#include "server/console/console_server.h"
#include "server/store/sqlite_store.h"

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using telltale::server::console::ConsoleConfig;
using telltale::server::console::ConsoleServer;

struct Reply {
  int status = 0;
  std::string body;
  std::string set_cookie;
  json::value json() const { return json::parse(body); }
};

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("console-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    store_ = std::make_unique<telltale::server::SqliteStore>(dir_ / "store.db");
    telltale::server::TokenRecord token;
    token.secret_hash = telltale::sha256_hex("seed-secret");
    token.id = token.secret_hash.substr(0, 12);
    token.expires_unix_ms = INT64_MAX;
    token.max_uses = 10;
    store_->add_token(token);
    telltale::server::DeviceRecord d;
    d.device_id = "dev-farm-1";
    d.hostname = "laptop-17";
    d.serial = "SN17";
    ASSERT_EQ(store_->enroll(token.secret_hash, 1000, d).status, telltale::server::EnrollStatus::kOk);
    store_->save_verdict({"dev-farm-1", 2000, "puppeteered", 0.97,
                          R"({"verdict":"VERDICT_LEVEL_PUPPETEERED","score":0.97,"indicators":[{"id":"kvm.pikvm","evidence":[{"fact":"usb 1d6b:0104"}]}]})"});
    server_ = std::make_unique<ConsoleServer>(ConsoleConfig{"127.0.0.1:0", dir_, [] { return std::string("telltale_ingest_reports_total 7\n"); }},
                                              *store_);
    server_->start();
    std::ifstream in(dir_ / "console-admin-password");
    std::getline(in, admin_password_);
  }
  void TearDown() override {
    server_->stop();
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Reply call(http::verb verb, const std::string& target, const std::string& body = {}, const std::string& cookie = {},
             const std::string& csrf = {}, const std::string& bearer = {}) {
    asio::io_context io;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_verify_mode(asio::ssl::verify_none);  // the console's self-signed certificate
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    beast::get_lowest_layer(stream).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    stream.handshake(asio::ssl::stream_base::client);
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    if (!csrf.empty()) req.set("X-CSRF-Token", csrf);
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    beast::error_code ec;
    stream.shutdown(ec);
    return {static_cast<int>(res.result_int()), res.body(), std::string(res[http::field::set_cookie])};
  }

  struct Session {
    std::string cookie, csrf;
  };
  Session login(const std::string& user, const std::string& password) {
    auto r = call(http::verb::post, "/api/v1/login", json::serialize(json::object{{"username", user}, {"password", password}}));
    EXPECT_EQ(r.status, 200) << r.body;
    return {r.set_cookie.substr(0, r.set_cookie.find(';')), std::string(r.json().at("csrf").as_string())};
  }
  // Admin with its one-time password replaced, as every deployment starts.
  Session admin() {
    auto s = login("admin", admin_password_);
    auto r = call(http::verb::post, "/api/v1/password",
                  json::serialize(json::object{{"old_password", admin_password_}, {"new_password", "correct horse battery"}}),
                  s.cookie, s.csrf);
    EXPECT_EQ(r.status, 200) << r.body;
    admin_password_ = "correct horse battery";
    return s;
  }
  Session user_with_role(const Session& a, const std::string& name, const std::string& role) {
    auto r = call(http::verb::post, "/api/v1/users", json::serialize(json::object{{"username", name}, {"role", role}}), a.cookie, a.csrf);
    EXPECT_EQ(r.status, 201) << r.body;
    std::string otp(r.json().at("one_time_password").as_string());
    auto s = login(name, otp);
    EXPECT_EQ(call(http::verb::post, "/api/v1/password",
                   json::serialize(json::object{{"old_password", otp}, {"new_password", name + "-password-long"}}), s.cookie, s.csrf)
                  .status,
              200);
    return s;
  }
  std::vector<std::string> audit_actions(const Session& a) {
    std::vector<std::string> out;
    const auto response = call(http::verb::get, "/api/v1/audit", {}, a.cookie);
    const json::value log = json::parse(response.body);
    const json::array& entries = log.as_object().at("audit").as_array();
    for (const json::value& e : entries) out.emplace_back(e.as_object().at("action").as_string());
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<telltale::server::SqliteStore> store_;
  std::unique_ptr<ConsoleServer> server_;
  std::string admin_password_;
};

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
  for (auto [verb, target] : std::vector<std::pair<http::verb, std::string>>{
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

TEST_F(ConsoleTest, RepeatedFailedLogins_AreRateLimitedAndAudited) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call(http::verb::post, "/api/v1/login", R"({"username":"admin","password":"guess"})").status, 401);
  // Even the right password is refused while the account is throttled.
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
