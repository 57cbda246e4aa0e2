// /api/v1/alerts… (feed and triage) and /api/v1/alert-channels… (delivery
// channels, admin). The feed is brought up to date from the store on every
// read, so it never lags the device pages even between dispatcher passes.
#include <stdexcept>
#include <cstdio>
#include <ctime>

#include "server/console/alert_dispatcher.h"
#include "server/console/alert_feed.h"
#include "server/console/alert_transport.h"
#include "server/console/console_internal.h"
#include "server/detect/why.h"

namespace telltale::server::console::internal {
namespace {

std::string iso(int64_t unix_ms) {
  if (unix_ms == 0) return "";
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json::array strings(const std::vector<std::string>& v) {
  json::array out;
  for (auto& s : v) out.emplace_back(s);
  return out;
}

json::object alert_json(const AlertRecord& a) {
  return json::object{{"id", a.id},
                      {"device_id", a.device_id},
                      {"hostname", a.hostname},
                      {"kind", a.kind},
                      {"raised_unix_ms", a.raised_unix_ms},
                      {"raised_utc", iso(a.raised_unix_ms)},
                      {"level", a.level},
                      {"previous_level", a.previous_level},
                      {"score", a.score},
                      {"score_text", detect::format_score(a.score)},
                      {"severity", a.severity},
                      {"why", a.why},
                      {"indicators_added", strings(a.added)},
                      {"indicators_removed", strings(a.removed)},
                      {"state", a.state},
                      {"acknowledged_by", a.acknowledged_by},
                      {"acknowledged_unix_ms", a.acknowledged_unix_ms},
                      {"resolved_by", a.resolved_by},
                      {"resolved_unix_ms", a.resolved_unix_ms}};
}

json::object delivery_json(const DeliveryRecord& d) {
  return json::object{{"id", d.id},
                      {"alert_id", d.alert_id},
                      {"test", d.alert_id == 0},
                      {"channel_id", d.channel_id},
                      {"state", d.state},
                      {"attempts", d.attempts},
                      {"created_unix_ms", d.created_unix_ms},
                      {"next_attempt_unix_ms", d.state == "pending" ? d.next_attempt_unix_ms : 0},
                      {"last_attempt_unix_ms", d.last_attempt_unix_ms},
                      {"delivered_unix_ms", d.delivered_unix_ms},
                      {"last_error", d.last_error}};
}

json::object channel_json(AlertDb& db, const ChannelRecord& c) {
  json::object o{{"id", c.id},
                 {"name", c.name},
                 {"kind", c.kind},
                 {"url", c.url},
                 {"min_level", c.min_level},
                 {"enabled", c.enabled},
                 {"created_by", c.created_by},
                 {"created_unix_ms", c.created_unix_ms}};
  if (c.kind == "smtp") {
    o["mail_from"] = c.mail_from;
    o["mail_to"] = c.mail_to;
    o["starttls"] = c.starttls;
  }
  if (!c.ca_file.empty()) o["ca_file"] = c.ca_file;
  json::object counts;
  for (auto& [state, n] : db.delivery_counts(c.id)) counts[state] = n;
  o["deliveries"] = std::move(counts);
  json::array recent;
  std::string last_error;
  int64_t last_error_ms = 0;
  for (auto& d : db.deliveries(c.id, 10)) {
    if (!d.last_error.empty() && d.state != "delivered" && d.last_attempt_unix_ms > last_error_ms) {
      last_error = d.last_error;
      last_error_ms = d.last_attempt_unix_ms;
    }
    recent.push_back(delivery_json(d));
  }
  o["last_error"] = last_error;
  o["last_error_unix_ms"] = last_error_ms;
  o["recent"] = std::move(recent);
  return o;
}

// `since`: unix milliseconds, or a UTC date/time "2026-12-01" /
// "2026-12-01T08:00:00Z".
int64_t since_param(const std::map<std::string, std::string>& q) {
  auto it = q.find("since");
  if (it == q.end() || it->second.empty()) return 0;
  const std::string& s = it->second;
  if (s.size() <= 15 && s.find_first_not_of("0123456789") == std::string::npos) return std::stoll(s);
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec);
  if (n != 3 && n != 5 && n != 6)
    throw BadRequest("since=\"" + s + "\": expected unix milliseconds or a UTC time like 2026-12-01 or 2026-12-01T08:00:00Z");
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::optional<int64_t> numeric_id(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(text);
}

HttpResponse list_alerts(Context& c) {
  AlertDb& db = *c.options.alerts;
  sync_alerts(db, c.store, now_ms());
  AlertQuery q;
  q.state = c.query.count("state") ? c.query.at("state") : "";
  if (q.state == "all") q.state.clear();
  if (!q.state.empty() && !valid_alert_state(q.state))
    throw BadRequest("state=\"" + q.state + "\": expected new, acknowledged, resolved or all");
  q.since_unix_ms = since_param(c.query);
  q.device_id = c.query.count("device") ? c.query.at("device") : "";
  q.limit = static_cast<size_t>(int_param(c.query, "limit", 500, 1, 5000));
  json::array out;
  for (auto& a : db.alerts(q)) out.push_back(alert_json(a));
  json::object counts;
  for (auto& [state, n] : db.counts()) counts[state] = n;
  return reply(200, json::object{{"alerts", std::move(out)},
                                 {"counts", std::move(counts)},
                                 {"query", json::object{{"state", q.state.empty() ? "all" : q.state},
                                                        {"since_unix_ms", q.since_unix_ms},
                                                        {"device", q.device_id}}}});
}

HttpResponse triage(Context& c, int64_t id) {
  const std::string expected = "{\"state\": \"acknowledged\" | \"resolved\"}";
  auto body = c.body_object(expected);
  if (!body.contains("state") || !body.at("state").is_string()) throw BadRequest("state: expected a string; body " + expected);
  std::string state(body.at("state").as_string());
  if (state != "acknowledged" && state != "resolved")
    throw BadRequest("state \"" + state + "\": expected acknowledged or resolved");
  AlertDb& db = *c.options.alerts;
  auto before = db.alert(id);
  if (!before) return error(404, "no alert " + std::to_string(id));
  try {
    auto after = db.triage(id, state, c.who.username, now_ms());
    c.audit("alert.triage", "alert " + std::to_string(id) + " (" + before->hostname + ")",
            "state " + before->state + "->" + after->state);
    return reply(200, alert_json(*after));
  } catch (const std::invalid_argument& e) {
    return error(409, e.what());
  }
}

std::string optional_text(const json::object& body, const char* key, const std::string& expected) {
  auto it = body.find(key);
  if (it == body.end() || it->value().is_null()) return {};
  if (!it->value().is_string()) throw BadRequest(std::string(key) + ": expected a string; body " + expected);
  return std::string(it->value().as_string());
}

HttpResponse create_channel(Context& c) {
  const std::string expected =
      "{\"name\", \"kind\": webhook|syslog|smtp, \"url\", \"min_level\"?: review|suspicious|puppeteered, "
      "\"mail_from\"?, \"mail_to\"?, \"starttls\"?: bool, \"ca_file\"?}";
  auto body = c.body_object(expected);
  ChannelRecord ch;
  ch.name = optional_text(body, "name", expected);
  ch.kind = optional_text(body, "kind", expected);
  ch.url = optional_text(body, "url", expected);
  ch.mail_from = optional_text(body, "mail_from", expected);
  ch.mail_to = optional_text(body, "mail_to", expected);
  ch.ca_file = optional_text(body, "ca_file", expected);
  if (auto level = optional_text(body, "min_level", expected); !level.empty()) ch.min_level = level;
  if (body.contains("starttls")) {
    if (!body.at("starttls").is_bool()) throw BadRequest("starttls: expected true or false; body " + expected);
    ch.starttls = body.at("starttls").as_bool();
  }
  if (auto problem = channel_problem(ch); !problem.empty()) throw BadRequest(problem);
  // The webhook key is made here and shown once: the receiver stores it, the
  // console never lists it again.
  if (ch.kind == "webhook") ch.secret = random_hex(32);
  ch.created_by = c.who.username;
  auto stored = c.options.alerts->add_channel(ch, now_ms());
  c.audit("alert_channel.create", "channel " + std::to_string(stored.id) + " (" + stored.name + ")",
          "kind=" + stored.kind + " url=" + stored.url + " min_level=" + stored.min_level);
  auto out = channel_json(*c.options.alerts, stored);
  if (!stored.secret.empty()) out["secret"] = stored.secret;
  return reply(201, out);
}

HttpResponse update_channel(Context& c, const ChannelRecord& ch) {
  const std::string expected = "{\"enabled\": bool}";
  auto body = c.body_object(expected);
  if (!body.contains("enabled") || !body.at("enabled").is_bool()) throw BadRequest("enabled: expected true or false; body " + expected);
  const bool enabled = body.at("enabled").as_bool();
  c.options.alerts->set_channel_enabled(ch.id, enabled);
  c.audit("alert_channel.update", "channel " + std::to_string(ch.id) + " (" + ch.name + ")",
          std::string("enabled ") + (ch.enabled ? "true" : "false") + "->" + (enabled ? "true" : "false"));
  return reply(200, channel_json(*c.options.alerts, *c.options.alerts->channel(ch.id)));
}

HttpResponse test_channel(Context& c, const ChannelRecord& ch) {
  const int64_t now = now_ms();
  const int64_t id = c.options.alerts->add_delivery(0, ch.id, now);
  auto d = c.options.alert_dispatcher->attempt(*c.options.alerts->delivery(id), now);
  c.audit("alert_channel.test", "channel " + std::to_string(ch.id) + " (" + ch.name + ")",
          d.state == "delivered" ? "delivered" : "failed: " + d.last_error);
  return reply(200, delivery_json(d));
}

}  // namespace

std::optional<HttpResponse> alert_routes(Context& c) {
  if (c.path == "/api/v1/alerts") {
    if (!c.get()) return std::nullopt;
    if (!c.allowed(Role::kViewer)) return forbidden(Role::kViewer);
    return list_alerts(c);
  }
  if (c.path.rfind("/api/v1/alerts/", 0) == 0) {
    if (!c.post()) return std::nullopt;
    if (!c.allowed(Role::kInvestigator)) return forbidden(Role::kInvestigator);
    auto id = numeric_id(c.path.substr(std::string("/api/v1/alerts/").size()));
    if (!id) return error(404, "no alert " + c.path.substr(std::string("/api/v1/alerts/").size()));
    return triage(c, *id);
  }
  const std::string base = "/api/v1/alert-channels";
  if (c.path == base) {
    if (!c.get() && !c.post()) return std::nullopt;
    if (!c.allowed(Role::kAdmin)) return forbidden(Role::kAdmin);
    if (c.post()) return create_channel(c);
    json::array out;
    for (auto& ch : c.options.alerts->channels()) out.push_back(channel_json(*c.options.alerts, ch));
    return reply(200, json::object{{"channels", std::move(out)}});
  }
  if (c.path.rfind(base + "/", 0) != 0) return std::nullopt;
  std::string rest = c.path.substr(base.size() + 1), action;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    action = rest.substr(slash + 1);
    rest.resize(slash);
  }
  const bool known = (action.empty() && (c.get() || c.post())) || (action == "test" && c.post()) ||
                     (action == "deliveries" && c.get());
  if (!known) return std::nullopt;
  if (!c.allowed(Role::kAdmin)) return forbidden(Role::kAdmin);
  auto id = numeric_id(rest);
  auto ch = id ? c.options.alerts->channel(*id) : std::nullopt;
  if (!ch) return error(404, "no alert channel " + rest);
  if (action == "test") return test_channel(c, *ch);
  if (action == "deliveries") {
    json::array out;
    for (auto& d : c.options.alerts->deliveries(ch->id, static_cast<size_t>(int_param(c.query, "limit", 100, 1, 1000))))
      out.push_back(delivery_json(d));
    return reply(200, json::object{{"deliveries", std::move(out)}});
  }
  if (c.get()) return reply(200, channel_json(*c.options.alerts, *ch));
  return update_channel(c, *ch);
}

}  // namespace telltale::server::console::internal
