#include "server/console/console_api.h"

#include "server/console/static_assets.h"

#include <google/protobuf/util/json_util.h>

#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <mutex>

namespace telltale::server::console {
namespace json = boost::json;
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

HttpResponse reply(int status, const json::value& v) { return {status, "application/json", json::serialize(v), {}}; }
HttpResponse error(int status, const std::string& message) { return reply(status, json::object{{"error", message}}); }

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

// Failed logins per key inside a sliding window; a user name and a peer
// address are separate keys so neither spraying nor one-account guessing passes.
class RateLimiter {
 public:
  static constexpr int kMaxFailures = 5;
  static constexpr int64_t kWindowMs = 15 * 60 * 1000;
  bool blocked(const std::string& key, int64_t now) {
    std::lock_guard lock(mu_);
    auto& q = failures_[key];
    while (!q.empty() && q.front() < now - kWindowMs) q.pop_front();
    return q.size() >= kMaxFailures;
  }
  void fail(const std::string& key, int64_t now) {
    std::lock_guard lock(mu_);
    failures_[key].push_back(now);
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::deque<int64_t>> failures_;
};

json::value parse_json_or_null(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return nullptr;
  return v;
}

json::value embed_json(const std::string& text) {
  auto v = parse_json_or_null(text);
  return v.is_null() ? json::value(text) : v;
}

json::object device_json(const DeviceRecord& d) {
  json::array prev;
  for (auto& p : d.previous_device_ids) prev.emplace_back(p);
  return {{"device_id", d.device_id}, {"hostname", d.hostname}, {"platform", d.platform},
          {"agent_version", d.agent_version}, {"serial", d.serial}, {"enrolled_unix_ms", d.enrolled_unix_ms},
          {"last_seen_unix_ms", d.last_seen_unix_ms}, {"reports", d.reports}, {"revoked", d.revoked},
          {"last_peer", d.last_peer}, {"conflicting_reports", d.conflicting_reports}, {"previous_device_ids", prev}};
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
  std::function<std::string()> extra_metrics;
  RateLimiter limiter;

  Impl(ConsoleDb& d, Store& s, std::function<std::string()> m) : db(d), store(s), extra_metrics(std::move(m)) {}

  std::optional<Principal> authenticate(const HttpRequest& req) {
    if (req.authorization.rfind("Bearer ", 0) == 0) return db.api_token(req.authorization.substr(7));
    std::string sid = cookie_value(req.cookie, "tt_session");
    if (sid.empty()) return std::nullopt;
    return db.session(sid, now_ms());
  }

  HttpResponse login(const HttpRequest& req) {
    auto body = parse_json_or_null(req.body);
    if (!body.is_object() || !body.as_object().contains("username") || !body.as_object().contains("password") ||
        !body.at("username").is_string() || !body.at("password").is_string())
      return error(400, "body must be {\"username\": string, \"password\": string}");
    std::string user(body.at("username").as_string()), password(body.at("password").as_string());
    int64_t now = now_ms();
    if (limiter.blocked("user:" + user, now) || limiter.blocked("peer:" + req.peer, now)) {
      db.audit(now, user, "login.rate_limited", user, req.peer);
      return error(429, "too many failed logins; wait 15 minutes");
    }
    auto p = db.check_password(user, password);
    if (!p) {
      limiter.fail("user:" + user, now);
      limiter.fail("peer:" + req.peer, now);
      db.audit(now, user, "login.failed", user, req.peer);
      return error(401, "wrong username or password");
    }
    auto [sid, csrf] = db.create_session(*p, now);
    db.audit(now, user, "login", user, req.peer);
    auto r = reply(200, json::object{{"username", user}, {"role", to_string(p->role)}, {"csrf", csrf},
                                     {"must_change_password", p->must_change_password}});
    r.set_cookie = "tt_session=" + sid + "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200";
    return r;
  }

  HttpResponse route(const HttpRequest& req, const Principal& who, const std::string& path) {
    auto need = [&](Role r) { return static_cast<int>(who.role) >= static_cast<int>(r); };
    const bool get = req.method == "GET", post = req.method == "POST";
    // A user still holding the one-time password may only change it.
    if (who.must_change_password && path != "/api/v1/password" && path != "/api/v1/logout" && path != "/api/v1/me")
      return error(403, "change the one-time password first (POST /api/v1/password)");

    if (path == "/api/v1/me" && get)
      return reply(200, json::object{{"username", who.username}, {"role", to_string(who.role)}, {"csrf", who.csrf},
                                     {"must_change_password", who.must_change_password}});
    if (path == "/api/v1/logout" && post) {
      if (!who.session_id.empty()) db.end_session(who.session_id);
      db.audit(now_ms(), who.username, "logout", who.username, req.peer);
      auto r = reply(200, json::object{{"ok", true}});
      r.set_cookie = "tt_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0";
      return r;
    }
    if (path == "/api/v1/password" && post) {
      auto body = parse_json_or_null(req.body);
      if (!body.is_object() || !body.as_object().contains("old_password") || !body.as_object().contains("new_password") ||
          !body.at("old_password").is_string() || !body.at("new_password").is_string())
        return error(400, "body must be {\"old_password\": string, \"new_password\": string}");
      std::string np(body.at("new_password").as_string());
      if (np.size() < 12) return error(400, "new password: at least 12 characters");
      if (!db.check_password(who.username, std::string(body.at("old_password").as_string())))
        return error(403, "old password is wrong");
      db.set_password(who.username, np);
      db.audit(now_ms(), who.username, "password.change", who.username, req.peer);
      return reply(200, json::object{{"ok", true}});
    }
    if (path == "/api/v1/devices" && get) {
      if (!need(Role::kViewer)) return error(403, "viewer role required");
      std::map<std::string, StoredVerdict> verdicts;
      for (auto& v : store.latest_verdicts()) verdicts[v.device_id] = v;
      std::map<std::string, Assignment> assigned;
      for (auto& a : store.assignments()) assigned[a.device_key] = a;
      json::array out;
      for (auto& d : store.devices()) {
        auto o = device_json(d);
        if (auto it = verdicts.find(d.device_id); it != verdicts.end()) {
          o["verdict"] = it->second.level;
          o["score"] = it->second.score;
        }
        auto a = assigned.find(d.device_id);
        if (a == assigned.end() && !d.serial.empty()) a = assigned.find(d.serial);
        if (a != assigned.end())
          o["assignee"] = json::object{{"employee", a->second.employee}, {"email", a->second.email},
                                       {"timezone", a->second.timezone}, {"region", a->second.region}};
        out.push_back(std::move(o));
      }
      return reply(200, json::object{{"devices", out}});
    }
    if (path == "/api/v1/clusters" && get) {
      if (!need(Role::kViewer)) return error(403, "viewer role required");
      json::array out;
      for (auto& c : store.clusters()) {
        json::array members;
        for (auto& m : c.members) members.emplace_back(m);
        out.push_back(json::object{{"cluster_id", c.cluster_id}, {"kind", c.kind}, {"key", c.key}, {"members", members},
                                   {"first_seen_unix_ms", c.first_seen_unix_ms},
                                   {"last_seen_unix_ms", c.last_seen_unix_ms}, {"detail", embed_json(c.json)}});
      }
      return reply(200, json::object{{"clusters", out}});
    }
    const std::string dev_prefix = "/api/v1/devices/";
    if (path.rfind(dev_prefix, 0) == 0) {
      std::string rest = path.substr(dev_prefix.size());
      bool revoke = rest.size() > 7 && rest.ends_with("/revoke");
      std::string id = revoke ? rest.substr(0, rest.size() - 7) : rest;
      if (revoke && post) {
        if (!need(Role::kAdmin)) return error(403, "admin role required");
        if (!store.revoke_device(id)) return error(404, "no device " + id);
        db.audit(now_ms(), who.username, "device.revoke", id, req.peer);
        return reply(200, json::object{{"ok", true}});
      }
      if (!revoke && get) {
        if (!need(Role::kInvestigator)) return error(403, "investigator role required");
        auto d = store.device(id);
        if (!d) return error(404, "no device " + id);
        json::object o{{"device", device_json(*d)}};
        if (auto snap = store.latest_snapshot(id)) {
          std::string text;
          google::protobuf::util::JsonPrintOptions opts;
          opts.preserve_proto_field_names = true;
          (void)google::protobuf::util::MessageToJsonString(*snap, &text, opts);
          o["snapshot"] = embed_json(text);
        }
        json::array history;
        for (auto& v : store.verdict_history(id, 50))
          history.push_back(json::object{{"evaluated_unix_ms", v.evaluated_unix_ms}, {"level", v.level},
                                         {"score", v.score}, {"verdict", embed_json(v.json)}});
        o["verdicts"] = history;
        json::array events;
        for (auto& e : store.events(id, 500)) {
          std::string text;
          google::protobuf::util::JsonPrintOptions opts;
          opts.preserve_proto_field_names = true;
          (void)google::protobuf::util::MessageToJsonString(e.event, &text, opts);
          events.push_back(json::object{{"seq", e.seq}, {"event", embed_json(text)}});
        }
        o["events"] = events;
        json::array reports;
        for (auto& r : store.reports(id, 500))
          reports.push_back(json::object{{"seq", r.seq}, {"received_unix_ms", r.received_unix_ms},
                                         {"created_unix_ms", r.created_unix_ms}, {"kind", r.kind}, {"bytes", r.bytes}});
        o["reports"] = reports;
        db.audit(now_ms(), who.username, "evidence.view", id, req.peer);
        return reply(200, o);
      }
    }
    if (path == "/api/v1/users") {
      if (!need(Role::kAdmin)) return error(403, "admin role required");
      if (get) {
        json::array out;
        for (auto& u : db.users())
          out.push_back(json::object{{"username", u.username}, {"role", to_string(u.role)},
                                     {"must_change_password", u.must_change_password}});
        return reply(200, json::object{{"users", out}});
      }
      if (post) {
        auto body = parse_json_or_null(req.body);
        if (!body.is_object() || !body.as_object().contains("username") || !body.as_object().contains("role") ||
            !body.at("username").is_string() || !body.at("role").is_string())
          return error(400, "body must be {\"username\": string, \"role\": viewer|investigator|admin}");
        auto role = parse_role(std::string(body.at("role").as_string()));
        std::string name(body.at("username").as_string());
        if (!role || name.empty() || name.size() > 64) return error(400, "role must be viewer, investigator or admin");
        std::string password;
        try {
          password = db.create_user(name, *role, now_ms());
        } catch (const sqlite::SqliteError&) {
          return error(409, "user " + name + " exists");
        }
        db.audit(now_ms(), who.username, "user.create", name, req.peer, to_string(*role));
        return reply(201, json::object{{"username", name}, {"one_time_password", password}});
      }
    }
    if (path == "/api/v1/api-tokens" && post) {
      if (!need(Role::kAdmin)) return error(403, "admin role required");
      auto body = parse_json_or_null(req.body);
      if (!body.is_object() || !body.as_object().contains("username") || !body.at("username").is_string())
        return error(400, "body must be {\"username\": string}");
      std::string name(body.at("username").as_string());
      bool known = false;
      for (auto& u : db.users()) known |= u.username == name;
      if (!known) return error(404, "no user " + name);
      std::string secret = db.create_api_token(name, now_ms());
      db.audit(now_ms(), who.username, "api_token.create", name, req.peer);
      return reply(201, json::object{{"username", name}, {"token", secret}});
    }
    if (path == "/api/v1/audit" && get) {
      if (!need(Role::kAdmin)) return error(403, "admin role required");
      json::array out;
      for (auto& e : db.audit_log(1000))
        out.push_back(json::object{{"id", e.id}, {"unix_ms", e.unix_ms}, {"actor", e.actor}, {"action", e.action},
                                   {"target", e.target}, {"peer", e.peer}, {"detail", e.detail}});
      return reply(200, json::object{{"audit", out}});
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
    if (extra_metrics) out += extra_metrics();
    return {200, "text/plain; version=0.0.4", out, {}};
  }

  HttpResponse handle(const HttpRequest& req) {
    std::string path = req.target.substr(0, req.target.find('?'));
    // The web UI's embedded files (server/console/static_assets.h) need no
    // session: the login page is one of them, and they hold no data.
    if (auto asset = static_asset_response(req.method, path)) return *asset;
    if (path == "/metrics" && req.method == "GET") return metrics();
    if (path == "/api/v1/login" && req.method == "POST") return login(req);
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

ConsoleApi::ConsoleApi(ConsoleDb& db, Store& store, std::function<std::string()> extra_metrics)
    : impl_(std::make_shared<Impl>(db, store, std::move(extra_metrics))) {}

HttpResponse ConsoleApi::handle(const HttpRequest& req) {
  try {
    return impl_->handle(req);
  } catch (const std::exception& e) {
    return error(500, e.what());
  }
}

}  // namespace telltale::server::console
