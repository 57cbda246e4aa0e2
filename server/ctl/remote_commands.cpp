#include "server/ctl/remote_commands.h"

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace telltale::ctl {
namespace json = boost::json;

namespace {

// Text of a JSON scalar for a table cell: strings as they are, whole numbers
// without a fraction, null as "".
std::string cell(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "";
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) {
    std::ostringstream s;
    s.precision(3);
    s << v.as_double();
    return s.str();
  }
  return json::serialize(v);
}

const json::value& at(const json::value& v, std::string_view key) {
  static const json::value null;
  if (!v.is_object()) return null;
  auto it = v.as_object().find(key);
  return it == v.as_object().end() ? null : it->value();
}

std::string text(const json::value& v, std::string_view key) { return cell(at(v, key)); }
std::string time_of(const json::value& v, std::string_view key) {
  auto& x = at(v, key);
  return x.is_int64() ? format_time_ms(x.as_int64()) : "-";
}

const json::array& array_of(const json::value& v, std::string_view key) {
  static const json::array empty;
  auto& x = at(v, key);
  return x.is_array() ? x.as_array() : empty;
}

void check_id(const std::string& id) {
  if (id.empty() || id.find_first_of("/?#% \t\r\n") != std::string::npos)
    throw std::invalid_argument("\"" + id + "\" is not a device or case id");
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += {'%', hex[c >> 4], hex[c & 15]};
  }
  return out;
}

struct Fetched {
  bool ok = false;
  json::value json;
  std::string body;
  std::string content_type;
};

Fetched fetch(RemoteContext& ctx, const std::string& path, bool parse = true, const std::string& method = "GET",
              const std::string& body = {}) {
  auto r = method == "GET" ? console_get(ctx.target, path) : console_request(ctx.target, method, path, body);
  Fetched f;
  f.body = std::move(r.body);
  f.content_type = r.content_type;
  if (r.status != 200 && r.status != 201) {
    boost::system::error_code ec;
    auto err = json::parse(f.body, ec);
    std::string why = !ec && err.is_object() && err.as_object().contains("error") ? cell(err.at("error")) : f.body;
    ctx.err << "telltale-ctl: " << ctx.target.url << path << ": HTTP " << r.status << ": " << why << "\n";
    return f;
  }
  if (parse) {
    boost::system::error_code ec;
    f.json = json::parse(f.body, ec);
    if (ec) throw std::runtime_error(method + " " + path + ": the console answered with something that is not JSON");
  }
  f.ok = true;
  return f;
}

void section(RemoteContext& ctx, const std::string& title, const Table& t) {
  if (ctx.format == Format::kTable) ctx.out << "\n" << title << "\n";
  else ctx.out << "\n";
  render(t, ctx.format, ctx.out);
}

std::string members_of(const json::value& cluster) {
  std::string members;
  for (auto& m : array_of(cluster, "members")) members += (members.empty() ? "" : " ") + cell(m);
  return members;
}

// The console's score_text (one format everywhere), else the raw number from
// an older console.
std::string score_of(const json::value& v) {
  auto t = text(v, "score_text");
  return t.empty() ? text(v, "score") : t;
}

// A device id, hostname or serial → the device id, through the console's
// /resolve (the same resolver as the local commands); nullopt after the
// console's reason (no match, or the candidates of an ambiguous name).
std::optional<std::string> resolve_device(RemoteContext& ctx, const std::string& ref) {
  check_id(ref);  // no id, hostname or serial holds '/', '?' or spaces
  auto f = fetch(ctx, "/api/v1/resolve?device=" + url_encode(ref));
  if (!f.ok) return std::nullopt;
  auto id = text(f.json, "device_id");
  check_id(id);
  return id;
}

int overview(RemoteContext& ctx) {
  auto f = fetch(ctx, "/api/v1/overview");
  if (!f.ok) return 1;
  if (ctx.format == Format::kJson) return ctx.out << f.body << "\n", 0;
  Table counts{{"verdict", "devices"}, {}};
  for (auto level : {"puppeteered", "suspicious", "review", "clean", "unevaluated"})
    counts.rows.push_back({level, text(at(f.json, "by_verdict"), level)});
  counts.rows.push_back({"total", text(f.json, "devices_total")});
  render(counts, ctx.format, ctx.out);
  Table findings{{"device", "hostname", "level", "score", "evaluated"}, {}};
  for (auto& x : array_of(f.json, "new_findings_24h"))
    findings.rows.push_back({text(x, "device_id"), text(x, "hostname"), text(x, "level"), text(x, "score"),
                             time_of(x, "evaluated_unix_ms")});
  section(ctx, "New findings (24 h)", findings);
  Table silent{{"device", "hostname", "last_seen"}, {}};
  for (auto& x : array_of(f.json, "silent_devices"))
    silent.rows.push_back({text(x, "device_id"), text(x, "hostname"), time_of(x, "last_seen_unix_ms")});
  section(ctx, "Silent devices", silent);
  Table clusters{{"cluster", "kind", "key", "members"}, {}};
  for (auto& x : array_of(f.json, "clusters"))
    clusters.rows.push_back({text(x, "cluster_id"), text(x, "kind"), text(x, "key"), members_of(x)});
  section(ctx, "Clusters", clusters);
  return 0;
}

// A list endpoint as one table row per element of its array.
template <class RowOf>
int list(RemoteContext& ctx, const std::string& path, std::string_view key, std::vector<std::string> columns,
         RowOf row_of) {
  auto f = fetch(ctx, path);
  if (!f.ok) return 1;
  Table t{std::move(columns), {}};
  // key empty: the answer is the array itself.
  static const json::array none;
  const json::array& rows = key.empty() ? (f.json.is_array() ? f.json.as_array() : none) : array_of(f.json, key);
  for (auto& x : rows) t.rows.push_back(row_of(x));
  render(t, ctx.format, ctx.out);
  return 0;
}

int devices(RemoteContext& ctx) {
  return list(ctx, "/api/v1/devices?sort=score&order=desc", "devices",
              {"device", "hostname", "verdict", "score", "why", "assignee", "timezone", "location", "last_seen"},
              [](const json::value& d) -> std::vector<std::string> {
                return {text(d, "device_id"), text(d, "hostname"), text(d, "verdict"), score_of(d), text(d, "why"),
                        text(at(d, "assignee"), "employee"), text(d, "timezone"), text(d, "location_hint"),
                        time_of(d, "last_seen_unix_ms")};
              });
}
int device(RemoteContext& ctx, const std::string& ref) {
  auto id = resolve_device(ctx, ref);
  if (!id) return 1;
  auto f = fetch(ctx, "/api/v1/devices/" + *id);
  if (!f.ok) return 1;
  if (ctx.format == Format::kJson) return ctx.out << f.body << "\n", 0;
  const auto& d = at(f.json, "device");
  const auto& verdicts = array_of(f.json, "verdicts");
  const json::value& latest = verdicts.empty() ? json::value() : verdicts.front();
  Table facts{{"field", "value"},
              {{"device", text(d, "device_id")},
               {"hostname", text(d, "hostname")},
               {"serial", text(d, "serial")},
               {"agent", text(d, "agent_version")},
               {"last_seen", time_of(d, "last_seen_unix_ms")},
               {"verdict", text(latest, "level")},
               {"score", score_of(latest)},
               {"why", text(f.json, "why")},
               {"assignee", text(at(f.json, "assignee"), "employee")},
               {"expected_timezone", text(at(f.json, "assignee"), "timezone")}}};
  render(facts, ctx.format, ctx.out);
  Table indicators{{"indicator", "severity", "score", "evidence"}, {}};
  for (auto& ind : array_of(at(latest, "verdict"), "indicators")) {
    std::string evidence;
    for (auto& e : array_of(ind, "evidence")) {
      // Facts are {key, value}; anything else shows as name=value pairs.
      std::string fact;
      if (e.is_object() && e.as_object().contains("key")) {
        fact = text(e, "key") + "=" + text(e, "value");
      } else if (e.is_object()) {
        for (auto& [k, v] : e.as_object()) fact += (fact.empty() ? "" : ", ") + std::string(k) + "=" + cell(v);
      } else {
        fact = cell(e);
      }
      evidence += (evidence.empty() ? "" : "; ") + fact;
    }
    indicators.rows.push_back({text(ind, "id"), text(ind, "severity"), text(ind, "score"), evidence});
  }
  section(ctx, "Indicators", indicators);
  Table timeline{{"time", "kind", "type", "summary"}, {}};
  for (auto& e : array_of(f.json, "timeline")) {
    if (timeline.rows.size() == 20) break;  // the newest; --format json has all
    timeline.rows.push_back({time_of(e, "unix_ms"), text(e, "kind"), text(e, "type"), text(e, "summary")});
  }
  section(ctx, "Timeline (newest 20)", timeline);
  Table cases{{"case", "status", "owner", "title"}, {}};
  for (auto& k : array_of(f.json, "cases"))
    cases.rows.push_back({text(k, "id"), text(k, "status"), text(k, "owner"), text(k, "title")});
  section(ctx, "Cases", cases);
  return 0;
}

int clusters(RemoteContext& ctx) {
  return list(ctx, "/api/v1/clusters", "clusters", {"cluster", "kind", "key", "members", "first_seen", "last_seen"},
              [](const json::value& c) -> std::vector<std::string> {
                return {text(c, "cluster_id"), text(c, "kind"), text(c, "key"), members_of(c),
                        time_of(c, "first_seen_unix_ms"), time_of(c, "last_seen_unix_ms")};
              });
}
int cases(RemoteContext& ctx) {
  return list(ctx, "/api/v1/cases", "cases", {"case", "status", "device", "hostname", "owner", "title", "updated"},
              [](const json::value& k) -> std::vector<std::string> {
                return {text(k, "id"), text(k, "status"), text(k, "device_id"), text(k, "hostname"), text(k, "owner"),
                        text(k, "title"), time_of(k, "updated_unix_ms")};
              });
}
int one_case(RemoteContext& ctx, const std::string& id) {
  check_id(id);
  auto f = fetch(ctx, "/api/v1/cases/" + id);
  if (!f.ok) return 1;
  if (ctx.format == Format::kJson) return ctx.out << f.body << "\n", 0;
  Table facts{{"field", "value"}, {}};
  for (auto key : {"id", "title", "status", "owner", "device_id", "hostname", "created_by"})
    facts.rows.push_back({key, text(f.json, key)});
  facts.rows.push_back({"verdict", text(at(f.json, "device"), "verdict")});
  facts.rows.push_back({"opened", time_of(f.json, "created_unix_ms")});
  facts.rows.push_back({"updated", time_of(f.json, "updated_unix_ms")});
  render(facts, ctx.format, ctx.out);
  Table notes{{"time", "author", "text"}, {}};
  for (auto& n : array_of(f.json, "notes")) notes.rows.push_back({time_of(n, "unix_ms"), text(n, "author"), text(n, "text")});
  section(ctx, "Notes", notes);
  return 0;
}

int audit(RemoteContext& ctx) {
  return list(ctx, "/api/v1/audit", "audit", {"id", "time", "actor", "action", "target", "peer", "detail"},
              [](const json::value& e) -> std::vector<std::string> {
                return {text(e, "id"), time_of(e, "unix_ms"), text(e, "actor"), text(e, "action"), text(e, "target"),
                        text(e, "peer"), text(e, "detail")};
              });
}
int agent_health(RemoteContext& ctx) {
  return list(ctx, "/api/v1/agent-health", "",
              {"device", "hostname", "version", "rss_mib", "cpu_percent", "spool_depth", "last_seen"},
              [](const json::value& a) -> std::vector<std::string> {
                auto& rss = at(a, "rss_bytes");
                std::string mib =
                    rss.is_number() ? std::to_string(std::llround(rss.to_number<double>() / 1048576)) : "";
                return {text(a, "device_id"), text(a, "hostname"), text(a, "agent_version"), mib,
                        text(a, "cpu_percent"), text(a, "spool_depth"), time_of(a, "last_seen_unix_ms")};
              });
}
int export_device(RemoteContext& ctx, const std::string& ref, const std::string& format) {
  if (format != "json" && format != "html")
    throw std::invalid_argument("export --format " + format + ": expected json or html");
  auto id = resolve_device(ctx, ref);
  if (!id) return 1;
  auto f = fetch(ctx, "/api/v1/devices/" + *id + "/export?format=" + format, false);
  if (!f.ok) return 1;
  ctx.out << f.body;
  if (!f.body.empty() && f.body.back() != '\n') ctx.out << "\n";
  return 0;
}

// API tokens (admin): list without secrets, create (the secret is printed
// once), revoke by id.
int api_tokens(RemoteContext& ctx) {
  return list(ctx, "/api/v1/api-tokens", "tokens", {"id", "user", "state", "created", "expires", "created_by", "revoked"},
              [](const json::value& t) -> std::vector<std::string> {
                return {text(t, "id"), text(t, "username"), text(t, "state"), time_of(t, "created_unix_ms"),
                        time_of(t, "expires_unix_ms"), text(t, "created_by"), text(t, "revoked_reason")};
              });
}
int api_token_create(RemoteContext& ctx, const std::string& user, int64_t ttl_days) {
  check_id(user);
  json::object body{{"username", user}};
  if (ttl_days > 0) body["ttl_days"] = ttl_days;
  auto f = fetch(ctx, "/api/v1/api-tokens", true, "POST", json::serialize(body));
  if (!f.ok) return 1;
  if (ctx.format == Format::kJson) return ctx.out << f.body << "\n", 0;
  Table t{{"id", "user", "expires", "token (shown once)"},
          {{text(f.json, "id"), text(f.json, "username"), time_of(f.json, "expires_unix_ms"), text(f.json, "token")}}};
  render(t, ctx.format, ctx.out);
  return 0;
}
int api_token_revoke(RemoteContext& ctx, const std::string& id) {
  check_id(id);
  auto f = fetch(ctx, "/api/v1/api-tokens/" + id + "/revoke", true, "POST");
  if (!f.ok) return 1;
  ctx.out << "API token " << id << " revoked\n";
  return 0;
}
int user_enable(RemoteContext& ctx, const std::string& name, bool disable) {
  check_id(name);
  auto f = fetch(ctx, "/api/v1/users/" + name + (disable ? "/disable" : "/enable"), true, "POST");
  if (!f.ok) return 1;
  ctx.out << "user " << name << (disable ? " disabled" : " enabled") << "\n";
  return 0;
}

}  // namespace

bool is_remote_command(const std::string& word) {
  for (auto w : {"overview", "devices", "device", "clusters", "cases", "case", "audit", "agent-health", "export",
                 "api-tokens", "api-token", "user"})
    if (word == w) return true;
  return false;
}

int remote_command(RemoteContext& ctx, const std::vector<std::string>& words, const std::string& export_format,
                   int64_t ttl_days) {
  if (words.empty()) throw std::invalid_argument("no command given");
  const std::string& cmd = words[0];
  auto want = [&](size_t n) {
    if (words.size() != n)
      throw std::invalid_argument("\"" + cmd + "\" takes " + std::to_string(n - 1) + " argument(s), got " +
                                  std::to_string(words.size() - 1));
  };
  if (cmd == "overview") return want(1), overview(ctx);
  if (cmd == "devices") return want(1), devices(ctx);
  if (cmd == "device") return want(2), device(ctx, words[1]);
  if (cmd == "clusters") return want(1), clusters(ctx);
  if (cmd == "cases") return want(1), cases(ctx);
  if (cmd == "case") return want(2), one_case(ctx, words[1]);
  if (cmd == "audit") return want(1), audit(ctx);
  if (cmd == "agent-health") return want(1), agent_health(ctx);
  if (cmd == "export") return want(2), export_device(ctx, words[1], export_format);
  if (cmd == "api-tokens") return want(1), api_tokens(ctx);
  if (cmd == "api-token" && words.size() == 3 && words[1] == "create") return api_token_create(ctx, words[2], ttl_days);
  if (cmd == "api-token" && words.size() == 3 && words[1] == "revoke") return api_token_revoke(ctx, words[2]);
  if (cmd == "api-token") throw std::invalid_argument("api-token needs \"create USER\" or \"revoke ID\"");
  if (cmd == "user" && words.size() == 3 && (words[1] == "disable" || words[1] == "enable"))
    return user_enable(ctx, words[2], words[1] == "disable");
  if (cmd == "user") throw std::invalid_argument("user needs \"disable NAME\" or \"enable NAME\"");
  throw std::invalid_argument("\"" + cmd + "\" is not a remote command (overview, devices, device ID, clusters, cases, "
                              "case ID, audit, agent-health, export ID, api-tokens, api-token create USER, "
                              "api-token revoke ID, user disable|enable NAME)");
}

}  // namespace telltale::ctl
