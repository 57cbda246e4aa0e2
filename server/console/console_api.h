#pragma once
// The console's HTTP handling without any transport: the Beast server turns
// each request into an HttpRequest and writes back the HttpResponse, so the
// routing, auth, CSRF and audit rules compile (and change) without Beast.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/console/console_db.h"
#include "server/console/sso_login.h"
#include "server/store/store.h"

namespace telltale::server::console {

class AlertDb;
class AlertDispatcher;

struct HttpRequest {
  std::string method;
  std::string target;  // path + query
  std::string cookie;
  std::string authorization;
  std::string csrf_header;
  std::string content_type;
  std::string body;
  std::string peer;  // remote address without port
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string set_cookie;
  // Extra response headers (e.g. Content-Disposition on exports). The server
  // writes them after its own security headers, so a route may replace one.
  std::vector<std::pair<std::string, std::string>> headers{};  // {} keeps the existing 4-field aggregate inits warning-free
};

// Settings the API takes beyond the transport's ConsoleConfig; every field
// has a default so ConsoleServer can keep using the three-argument constructor.
struct ApiOptions {
  std::function<std::string()> extra_metrics;
  // Where the collector keeps ca.crt and listen_address (enrollment tokens are
  // issued against them). Empty: the directory holding console.db.
  std::filesystem::path data_dir;
  // The catalog the collector evaluates with. Empty: the one built into the binary.
  std::filesystem::path catalog_path;
  // The overview lists devices not heard from for longer than this (whole hours, at least one).
  int64_t silent_after_ms = 24LL * 3600 * 1000;
  // Root of the IANA tz database the heatmap reads TZif files from.
  std::filesystem::path zoneinfo_dir = "/usr/share/zoneinfo";
  // Login throttling per (user, address): free failures, then a wait that
  // doubles with every further failure up to the cap (docs/CONSOLE.md "Login").
  int login_free_failures = 5;
  int64_t login_backoff_base_ms = 1000;
  int64_t login_backoff_max_ms = 15LL * 60 * 1000;
  // Concurrent password checks one address may have running (each is a PBKDF2).
  int logins_in_flight_per_address = 2;
  // API token lifetime when the request names none, and the longest allowed.
  int api_token_default_days = 90;
  int api_token_max_days = 366;
  // OpenID Connect sign-in besides local users (sso_login.h); off when sso.issuer is empty.
  SsoConfig sso{};
  // Alerts, channels and the delivery outbox (alert_db.h) and the worker that
  // delivers them. Null: opened on console.db, with a dispatcher that runs
  // only when asked (send test).
  std::shared_ptr<AlertDb> alerts;
  std::shared_ptr<AlertDispatcher> alert_dispatcher;
  // After a suppression is added or lifted (the collector re-evaluates).
  std::function<void()> suppressions_changed;
};

// Thread-safe: requests run one at a time, except logins, which only touch
// the (internally locked) console database and throttle, so a slow password
// hash never holds up other users' requests.
class ConsoleApi {
 public:
  ConsoleApi(ConsoleDb& db, Store& store, std::function<std::string()> extra_metrics);
  ConsoleApi(ConsoleDb& db, Store& store, ApiOptions options);
  HttpResponse handle(const HttpRequest& req);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace telltale::server::console
