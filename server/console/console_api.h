#pragma once
// The console's HTTP handling without any transport: the Beast server turns
// each request into an HttpRequest and writes back the HttpResponse, so the
// routing, auth, CSRF and audit rules compile (and change) without Beast.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/console/console_db.h"
#include "server/store/store.h"

namespace telltale::server::console {

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

class ConsoleApi {
 public:
  ConsoleApi(ConsoleDb& db, Store& store, std::function<std::string()> extra_metrics);
  HttpResponse handle(const HttpRequest& req);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace telltale::server::console
