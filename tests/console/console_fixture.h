#pragma once
// A real ConsoleServer over HTTPS on 127.0.0.1, backed by a SqliteStore in a
// temp dir, and a small HTTPS client. The Beast client lives in
// console_fixture.cpp only, so the test files compile without Beast.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "server/console/console_server.h"
#include "server/store/sqlite_store.h"

namespace telltale::console_test {
namespace json = boost::json;

struct Reply {
  int status = 0;
  std::string body;
  std::string set_cookie;
  std::string content_type;
  std::string content_disposition;
  std::string content_sha256;  // X-Content-SHA256 (exports)
  std::string location{};      // Location (redirects: single sign-on)
  json::value json() const { return json::parse(body); }
};

struct Session {
  std::string cookie, csrf;
};

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Lets a suite change the server's settings (deadlines, caps) before it starts.
  virtual void configure(telltale::server::console::ConsoleConfig&) {}

  // method: "GET", "POST", …
  Reply call(const std::string& method, const std::string& target, const std::string& body = {},
             const std::string& cookie = {}, const std::string& csrf = {}, const std::string& bearer = {},
             const std::string& content_type = "application/json");
  Reply get(const Session& s, const std::string& target) { return call("GET", target, {}, s.cookie); }
  Reply post(const Session& s, const std::string& target, const std::string& body) {
    return call("POST", target, body, s.cookie, s.csrf);
  }

  Session login(const std::string& user, const std::string& password);
  // Admin with its one-time password replaced, as every deployment starts.
  Session admin();
  Session user_with_role(const Session& a, const std::string& name, const std::string& role);
  std::vector<std::string> audit_actions(const Session& a);
  std::vector<json::object> audit_entries(const Session& a);

  // Stores one report for a device as ingest would (received now).
  void ingest(const std::string& device_id, const telltale::v1::Report& report, int64_t received_unix_ms);
  // Enrolls another device with the seed token.
  void enroll(const std::string& device_id, const std::string& hostname, const std::string& serial, int64_t now_ms);

  std::filesystem::path dir_;
  std::unique_ptr<telltale::server::SqliteStore> store_;
  std::unique_ptr<telltale::server::console::ConsoleServer> server_;
  std::string admin_password_;
  std::string token_hash_;
  // When set, call() binds its socket to this local address (127.0.0.2 and
  // the rest of 127/8 are loopback too): a second client address for the
  // per-address limits.
  std::string source_address_;
};

int64_t now_ms();

}  // namespace telltale::console_test
