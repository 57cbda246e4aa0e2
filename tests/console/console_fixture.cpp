// The only test file that includes Beast (slow to compile).
#include "tests/console/console_fixture.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <fstream>
#include <random>

#include "platform/common/hash.h"

namespace telltale::console_test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void ConsoleTest::SetUp() {
  dir_ = std::filesystem::temp_directory_path() / ("console-test-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir_);
  store_ = std::make_unique<telltale::server::SqliteStore>(dir_ / "store.db");
  telltale::server::TokenRecord token;
  token.secret_hash = telltale::sha256_hex("seed-secret");
  token.id = token.secret_hash.substr(0, 12);
  token.expires_unix_ms = INT64_MAX;
  token.max_uses = 10;
  token.note = "seed";
  store_->add_token(token);
  token_hash_ = token.secret_hash;
  enroll("dev-farm-1", "laptop-17", "SN17", 1000);
  store_->save_verdict({"dev-farm-1", 2000, "puppeteered", 0.97,
                        R"({"verdict":"VERDICT_LEVEL_PUPPETEERED","score":0.97,"indicators":[{"id":"kvm.pikvm","evidence":[{"fact":"usb 1d6b:0104"}]}]})"});
  telltale::server::console::ConsoleConfig config{"127.0.0.1:0", dir_,
                                                  [] { return std::string("telltale_ingest_reports_total 7\n"); }};
  configure(config);
  server_ = std::make_unique<telltale::server::console::ConsoleServer>(config, *store_);
  server_->start();
  std::ifstream in(dir_ / "console-admin-password");
  std::getline(in, admin_password_);
}

void ConsoleTest::TearDown() {
  server_->stop();
  server_.reset();
  store_.reset();
  std::filesystem::remove_all(dir_);
}

void ConsoleTest::enroll(const std::string& device_id, const std::string& hostname, const std::string& serial,
                         int64_t now) {
  telltale::server::DeviceRecord d;
  d.device_id = device_id;
  d.hostname = hostname;
  d.serial = serial;
  d.identity_hash = "hw-" + device_id;  // distinct hardware: no "same hardware as" links between test devices
  ASSERT_EQ(store_->enroll(token_hash_, now, d).status, telltale::server::EnrollStatus::kOk);
}

void ConsoleTest::ingest(const std::string& device_id, const telltale::v1::Report& report, int64_t received) {
  std::vector<telltale::server::IncomingReport> batch{{device_id, "ipv4:203.0.113.9:40000", received, &report}};
  auto results = store_->ingest(batch);
  ASSERT_EQ(results.at(0).outcome, telltale::server::IngestOutcome::kStored) << results.at(0).reason;
}

Reply ConsoleTest::call(const std::string& method, const std::string& target, const std::string& body,
                        const std::string& cookie, const std::string& csrf, const std::string& bearer,
                        const std::string& content_type) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);  // the console's self-signed certificate
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  if (!source_address_.empty()) {
    auto& socket = beast::get_lowest_layer(stream).socket();
    socket.open(asio::ip::tcp::v4());
    socket.bind(asio::ip::tcp::endpoint(asio::ip::make_address(source_address_), 0));
  }
  beast::get_lowest_layer(stream).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  stream.handshake(asio::ssl::stream_base::client);
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!cookie.empty()) req.set(http::field::cookie, cookie);
  if (!csrf.empty()) req.set("X-CSRF-Token", csrf);
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  req.set(http::field::content_type, content_type);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(stream, buf, parser);
  auto& res = parser.get();
  beast::error_code ec;
  stream.shutdown(ec);
  return {static_cast<int>(res.result_int()), res.body(), std::string(res[http::field::set_cookie]),
          std::string(res[http::field::content_type]), std::string(res[http::field::content_disposition]),
          std::string(res["X-Content-SHA256"]), std::string(res[http::field::location])};
}

Session ConsoleTest::login(const std::string& user, const std::string& password) {
  auto r = call("POST", "/api/v1/login", json::serialize(json::object{{"username", user}, {"password", password}}));
  EXPECT_EQ(r.status, 200) << r.body;
  return {r.set_cookie.substr(0, r.set_cookie.find(';')), std::string(r.json().at("csrf").as_string())};
}

Session ConsoleTest::admin() {
  auto s = login("admin", admin_password_);
  auto r = call("POST", "/api/v1/password",
                json::serialize(json::object{{"old_password", admin_password_}, {"new_password", "correct horse battery"}}),
                s.cookie, s.csrf);
  EXPECT_EQ(r.status, 200) << r.body;
  admin_password_ = "correct horse battery";
  return s;
}

Session ConsoleTest::user_with_role(const Session& a, const std::string& name, const std::string& role) {
  auto r = call("POST", "/api/v1/users", json::serialize(json::object{{"username", name}, {"role", role}}), a.cookie, a.csrf);
  EXPECT_EQ(r.status, 201) << r.body;
  std::string otp(r.json().at("one_time_password").as_string());
  auto s = login(name, otp);
  EXPECT_EQ(call("POST", "/api/v1/password",
                 json::serialize(json::object{{"old_password", otp}, {"new_password", name + "-password-long"}}), s.cookie,
                 s.csrf)
                .status,
            200);
  return s;
}

std::vector<json::object> ConsoleTest::audit_entries(const Session& a) {
  std::vector<json::object> out;
  const auto response = call("GET", "/api/v1/audit", {}, a.cookie);
  const json::value log = json::parse(response.body);
  for (const json::value& e : log.as_object().at("audit").as_array()) out.push_back(e.as_object());
  return out;
}

std::vector<std::string> ConsoleTest::audit_actions(const Session& a) {
  std::vector<std::string> out;
  for (auto& e : audit_entries(a)) out.emplace_back(e.at("action").as_string());
  return out;
}

}  // namespace telltale::console_test
