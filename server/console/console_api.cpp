#include "server/console/console_api.h"

#include "server/console/static_assets.h"

#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <mutex>

#include "server/console/alert_dispatcher.h"
#include "server/console/console_internal.h"
#include "server/console/login_throttle.h"
#include "platform/common/log.h"
#include "server/console/oidc_http.h"
#include "server/console/password_policy.h"

namespace telltale::server::console {
namespace json = boost::json;
using namespace internal;
namespace {

std::string cookie_value(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return {};
}

std::string metric_escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}

}  // namespace

struct ConsoleApi::Impl {
  ConsoleDb& db;
  Store& store;
  ApiOptions options;
  LoginThrottle throttle;
  SnapshotFactsCache facts;
  std::mutex mu;  // every request but a login
  std::mutex login_mu;
  std::map<std::string, int> logins_in_flight;  // by peer address
  std::unique_ptr<SsoLogin> sso;                // set when single sign-on is configured

  Impl(ConsoleDb& d, Store& s, ApiOptions o)
      : db(d), store(s), options(std::move(o)),
        throttle(LoginThrottleOptions{options.login_free_failures, options.login_backoff_base_ms,
                                      options.login_backoff_max_ms}) {
    if (options.data_dir.empty()) options.data_dir = db.raw().path().parent_path();
    if (options.sso.enabled()) sso = std::make_unique<SsoLogin>(options.sso);
    if (!options.alerts) options.alerts = std::make_shared<AlertDb>(db.raw().path());
    if (!options.alert_dispatcher) options.alert_dispatcher = std::make_shared<AlertDispatcher>(*options.alerts, store);
  }

  // Single sign-on runs outside the request lock (it waits on the identity
  // provider). Both legs are browser navigations, so failures go back to the
  // login page with the reason in words (?sso_error=), never a JSON error.
  static HttpResponse redirect(const std::string& location) {
    HttpResponse r{302, "text/plain; charset=utf-8", "", {}};
    r.headers.emplace_back("Location", location);
    return r;
  }
  HttpResponse sso_refused(const HttpRequest& req, const std::string& who, const std::string& reason,
                           const std::string& problem, const std::string& detail) {
    db.audit(now_ms(), who.empty() ? "(single sign-on)" : who, "login.sso_refused", who, req.peer,
             "reason=" + reason + " " + detail);
    spdlog::warn("event=console_sso_refused reason={} peer={} detail={}", reason, req.peer, log::q(detail));
    return redirect("/#/login?sso_error=" + form_encode(problem));
  }
  HttpResponse sso_start(const HttpRequest& req) {
    try {
      auto s = sso->start(now_ms());
      auto r = redirect(s.authorize_url);
      // Lax, not Strict: the browser comes back from the provider's site and
      // must send it then. Scoped to the SSO paths and ten minutes.
      r.set_cookie = "tt_sso=" + s.state + "; Path=/api/v1/sso; HttpOnly; Secure; SameSite=Lax; Max-Age=600";
      return r;
    } catch (const SsoError& e) {
      return sso_refused(req, {}, e.reason, e.what(), e.detail);
    }
  }
  HttpResponse sso_callback(const HttpRequest& req) {
    auto q = query_params(req.target);
    if (!q["error"].empty())
      return sso_refused(req, {}, "provider",
                         "The identity provider did not sign you in (" + q["error"] +
                             (q["error_description"].empty() ? "" : ": " + q["error_description"]) + "). Try again.",
                         "error=" + q["error"] + " " + q["error_description"]);
    SsoIdentity id;
    try {
      id = sso->finish(q["code"], q["state"], cookie_value(req.cookie, "tt_sso"), now_ms());
    } catch (const SsoError& e) {
      return sso_refused(req, {}, e.reason, e.what(), e.detail);
    }
    const int64_t now = now_ms();
    auto signin = db.sso_sign_in(id.issuer, id.subject, id.username, id.role, now);
    if (!signin.principal)
      return sso_refused(req, id.username, "account", signin.refusal, "sub=" + id.subject);
    auto [sid, csrf] = db.create_session(*signin.principal, now);
    db.audit(now, signin.principal->username, "login.sso", signin.principal->username, req.peer,
             "role=" + std::string(to_string(id.role)) + " " + options.sso.role_claim + "=[" + id.role_claim_values +
                 "] sub=" + id.subject + (signin.created ? " user_created" : ""));
    auto r = redirect("/#/");
    r.set_cookie = "tt_session=" + sid + "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200";
    return r;
  }

  std::optional<Principal> authenticate(const HttpRequest& req) {
    if (req.authorization.rfind("Bearer ", 0) == 0) return db.api_token(req.authorization.substr(7), now_ms());
    std::string sid = cookie_value(req.cookie, "tt_session");
    if (sid.empty()) return std::nullopt;
    return db.session(sid, now_ms());
  }

  // A wait imposed by the throttle: 429 with Retry-After, audited as one row
  // per wait whose repeat count grows with every refused attempt.
  HttpResponse throttled(const std::string& user, const HttpRequest& req, int64_t now, int64_t wait) {
    if (int64_t row = throttle.refusal_row(user, req.peer)) {
      db.audit_repeat(row);
    } else {
      row = db.audit(now, user, "login.rate_limited", user, req.peer, "wait_ms=" + std::to_string(wait));
      throttle.set_refusal_row(user, req.peer, row);
    }
    auto r = reply(429, json::object{{"error", "too many failed logins for this user from this address; wait " +
                                                   std::to_string((wait + 999) / 1000) + " s"},
                                     {"retry_after_ms", wait}});
    r.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
    return r;
  }

  HttpResponse login(const HttpRequest& req) {
    auto body = parse_json_or_null(req.body);
    if (!body.is_object() || !body.as_object().contains("username") || !body.as_object().contains("password") ||
        !body.at("username").is_string() || !body.at("password").is_string())
      return error(400, "body must be {\"username\": string, \"password\": string}");
    const auto& name = body.at("username").as_string();
    const auto& secret = body.at("password").as_string();
    // Refused before anything is stored or hashed: no user can have such a name.
    if (name.empty() || name.size() > 64) return error(400, "username: 1 to 64 bytes");
    if (secret.size() > kMaxPasswordBytes)
      return error(400, "password: at most " + std::to_string(kMaxPasswordBytes) + " bytes");
    std::string user(name), password(secret);
    int64_t now = now_ms();
    if (int64_t wait = throttle.wait_ms(user, req.peer, now)) return throttled(user, req, now, wait);
    {
      // Each check is a PBKDF2: one address cannot occupy every API thread.
      std::lock_guard lock(login_mu);
      if (logins_in_flight[req.peer] >= options.logins_in_flight_per_address) {
        auto r = error(429, "another login from this address is being checked; try again in a moment");
        r.headers.emplace_back("Retry-After", "1");
        return r;
      }
      ++logins_in_flight[req.peer];
    }
    struct Release {
      Impl& d;
      const std::string& peer;
      ~Release() {
        std::lock_guard lock(d.login_mu);
        if (--d.logins_in_flight[peer] <= 0) d.logins_in_flight.erase(peer);
      }
    } release{*this, req.peer};
    auto p = db.check_password(user, password);
    if (!p) {
      // The wait counts from now, after the hash, not from when the attempt came in.
      now = now_ms();
      const int64_t wait = throttle.failed(user, req.peer, now);
      db.audit(now, user, "login.failed", user, req.peer, wait ? "next_attempt_after_ms=" + std::to_string(wait) : "");
      auto r = error(401, "wrong username or password");
      if (wait) r.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
      return r;
    }
    throttle.succeeded(user, req.peer);
    if (p->disabled) {
      db.audit(now, user, "login.disabled", user, req.peer);
      return error(403, "user " + user + " is disabled; an admin can enable it");
    }
    auto [sid, csrf] = db.create_session(*p, now);
    db.audit(now, user, "login", user, req.peer);
    auto r = reply(200, json::object{{"username", user}, {"role", to_string(p->role)}, {"csrf", csrf},
                                     {"must_change_password", p->must_change_password}});
    r.set_cookie = "tt_session=" + sid + "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200";
    return r;
  }

  HttpResponse route(const HttpRequest& req, const Principal& who, const std::string& path) {
    // A user still holding the one-time password may only change it.
    if (who.must_change_password && path != "/api/v1/password" && path != "/api/v1/logout" && path != "/api/v1/me")
      return error(403, "change the one-time password first (POST /api/v1/password)");

    if (path == "/api/v1/me" && req.method == "GET")
      return reply(200, json::object{{"username", who.username}, {"role", to_string(who.role)}, {"csrf", who.csrf},
                                     {"must_change_password", who.must_change_password}});
    if (path == "/api/v1/logout" && req.method == "POST") {
      if (!who.session_id.empty()) db.end_session(who.session_id);
      db.audit(now_ms(), who.username, "logout", who.username, req.peer);
      auto r = reply(200, json::object{{"ok", true}});
      r.set_cookie = "tt_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0";
      return r;
    }
    if (path == "/api/v1/password" && req.method == "POST") {
      auto body = parse_json_or_null(req.body);
      if (!body.is_object() || !body.as_object().contains("old_password") || !body.as_object().contains("new_password") ||
          !body.at("old_password").is_string() || !body.at("new_password").is_string())
        return error(400, "body must be {\"old_password\": string, \"new_password\": string}");
      std::string np(body.at("new_password").as_string()), op(body.at("old_password").as_string());
      if (auto problem = password_problem(np, op, who.username)) return error(400, *problem);
      if (!db.check_password(who.username, op)) return error(403, "old password is wrong");
      db.set_password(who.username, np);
      // Whoever knew the old password loses what it opened: every other
      // session and every API token of the user. The session that made the
      // change stays (the user just proved the new password's owner is here).
      const int64_t now = now_ms();
      const int sessions = db.end_sessions_of(who.username, who.session_id);
      const int tokens = db.revoke_api_tokens_of(who.username, now, "password changed");
      db.audit(now, who.username, "password.change", who.username, req.peer,
               "sessions_ended=" + std::to_string(sessions) + " api_tokens_revoked=" + std::to_string(tokens));
      return reply(200, json::object{{"ok", true}, {"sessions_ended", sessions}, {"api_tokens_revoked", tokens}});
    }
    // Everything else lives in one file per area (console_*_routes.cpp).
    Context c{db, store, options, facts, req, who, path, {}};
    try {
      c.query = query_params(req.target);
      for (auto* area : {&overview_routes, &device_routes, &case_routes, &admin_routes, &presence_routes,
                         &alert_routes, &suppression_routes})
        if (auto r = (*area)(c)) return *r;
    } catch (const BadRequest& e) {
      return error(400, e.what());
    }
    return error(404, "no such endpoint: " + req.method + " " + path);
  }

  HttpResponse metrics() {
    std::string out;
    auto devices = store.devices();
    size_t revoked = 0;
    for (auto& d : devices) revoked += d.revoked;
    out += "# HELP telltale_devices Enrolled devices.\n# TYPE telltale_devices gauge\n";
    out += "telltale_devices{revoked=\"false\"} " + std::to_string(devices.size() - revoked) + "\n";
    out += "telltale_devices{revoked=\"true\"} " + std::to_string(revoked) + "\n";
    std::map<std::string, int> levels{{"clean", 0}, {"review", 0}, {"suspicious", 0}, {"puppeteered", 0}};
    for (auto& v : store.latest_verdicts()) ++levels[v.level];
    out += "# HELP telltale_verdicts Devices by their latest verdict level.\n# TYPE telltale_verdicts gauge\n";
    for (auto& [level, n] : levels)
      out += "telltale_verdicts{level=\"" + metric_escape(level) + "\"} " + std::to_string(n) + "\n";
    out += "# HELP telltale_clusters Farm clusters from fleet correlation.\n# TYPE telltale_clusters gauge\n";
    out += "telltale_clusters " + std::to_string(store.clusters().size()) + "\n";
    out += "# HELP telltale_store_bytes Bytes the collector's store occupies on disk.\n# TYPE telltale_store_bytes gauge\n";
    out += "telltale_store_bytes " + std::to_string(store.size_bytes()) + "\n";
    out += "# HELP telltale_console_cases Investigation cases by status.\n# TYPE telltale_console_cases gauge\n";
    for (auto& [status, n] : db.case_counts())
      out += "telltale_console_cases{status=\"" + metric_escape(status) + "\"} " + std::to_string(n) + "\n";
    if (options.extra_metrics) out += options.extra_metrics();
    return {200, "text/plain; version=0.0.4", out, {}};
  }

  HttpResponse handle(const HttpRequest& req) {
    std::string path = req.target.substr(0, req.target.find('?'));
    // The web UI's embedded files (server/console/static_assets.h) need no
    // session: the login page is one of them, and they hold no data.
    if (auto asset = static_asset_response(req.method, path)) return *asset;
    if (path == "/metrics" && req.method == "GET") {
      std::lock_guard lock(mu);
      return metrics();
    }
    if (path == "/api/v1/login" && req.method == "POST") return login(req);
    if (path == "/api/v1/sso" && req.method == "GET")
      return reply(200, json::object{{"enabled", sso != nullptr}, {"label", sso ? options.sso.label : std::string()}});
    if (sso && path == "/api/v1/sso/start" && req.method == "GET") return sso_start(req);
    if (sso && path == "/api/v1/sso/callback" && req.method == "GET") return sso_callback(req);
    std::lock_guard lock(mu);
    if (path.rfind("/api/v1/", 0) != 0) return error(404, "no such path: " + path);
    auto who = authenticate(req);
    if (!who) return error(401, "log in first (session cookie or Authorization: Bearer <token>)");
    // Cookie sessions must echo the session's CSRF token on writes; bearer
    // tokens are never sent automatically by a browser, so they need none.
    if (req.method != "GET" && !who->csrf.empty() && req.csrf_header != who->csrf) {
      db.audit(now_ms(), who->username, "csrf.refused", path, req.peer);
      return error(403, "missing or wrong X-CSRF-Token");
    }
    return route(req, *who, path);
  }
};

namespace {
ApiOptions with_metrics(std::function<std::string()> extra_metrics) {
  ApiOptions o;
  o.extra_metrics = std::move(extra_metrics);
  return o;
}
}  // namespace

ConsoleApi::ConsoleApi(ConsoleDb& db, Store& store, std::function<std::string()> extra_metrics)
    : ConsoleApi(db, store, with_metrics(std::move(extra_metrics))) {}

ConsoleApi::ConsoleApi(ConsoleDb& db, Store& store, ApiOptions options)
    : impl_(std::make_shared<Impl>(db, store, std::move(options))) {}

HttpResponse ConsoleApi::handle(const HttpRequest& req) {
  try {
    return impl_->handle(req);
  } catch (const std::exception& e) {
    return error(500, e.what());
  }
}

}  // namespace telltale::server::console
