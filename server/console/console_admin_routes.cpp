// Admin-only routes: console users and their roles, API tokens, the audit
// log, enrollment tokens, assignment import, the catalog in use and the
// agents' self-reported health. Every change (and every admin read of fleet
// data) is audited.
#include <functional>
#include <map>
#include <mutex>
#include <sstream>

#include "server/console/console_internal.h"
#include "server/detect/why.h"
#include "server/enroll/token_issuer.h"
#include "server/store/assignments_csv.h"

namespace telltale::server::console::internal {
namespace {

std::string required_string(const json::object& body, const char* key, const std::string& expected) {
  auto it = body.find(key);
  if (it == body.end() || !it->value().is_string()) throw BadRequest(std::string(key) + ": expected a string; body " + expected);
  return std::string(it->value().as_string());
}

int64_t required_int(const json::object& body, const char* key, const std::string& expected) {
  auto it = body.find(key);
  if (it == body.end() || !it->value().is_int64()) throw BadRequest(std::string(key) + ": expected an integer; body " + expected);
  return it->value().as_int64();
}

HttpResponse users(Context& c) {
  if (c.get()) {
    json::array out;
    for (auto& u : c.db.users())
      out.push_back(json::object{{"username", u.username}, {"role", to_string(u.role)},
                                 {"must_change_password", u.must_change_password}, {"disabled", u.disabled}});
    return reply(200, json::object{{"users", std::move(out)}});
  }
  const std::string expected = "{\"username\": string, \"role\": viewer|investigator|admin}";
  auto body = c.body_object(expected);
  std::string name = required_string(body, "username", expected);
  auto role = parse_role(required_string(body, "role", expected));
  if (!role) throw BadRequest("role must be viewer, investigator or admin");
  if (name.empty() || name.size() > 64) throw BadRequest("username: 1 to 64 bytes");
  if (name.find_first_of("/?#% \t\r\n") != std::string::npos)
    throw BadRequest("username: no spaces, control characters or any of / ? # %");
  std::string password;
  try {
    password = c.db.create_user(name, *role, now_ms());
  } catch (const sqlite::SqliteError&) {
    return error(409, "user " + name + " exists");
  }
  c.audit("user.create", name, to_string(*role));
  return reply(201, json::object{{"username", name}, {"one_time_password", password}});
}

// Ends what a user's credentials opened: every session and API token.
std::string end_credentials(Context& c, const std::string& name, const std::string& reason) {
  const int sessions = c.db.end_sessions_of(name);
  const int tokens = c.db.revoke_api_tokens_of(name, now_ms(), reason);
  return "sessions_ended=" + std::to_string(sessions) + " api_tokens_revoked=" + std::to_string(tokens);
}

// Enabled admins other than `except`: the console must keep one.
size_t other_enabled_admins(const std::vector<ConsoleDb::UserRow>& all, const std::string& except) {
  size_t n = 0;
  for (auto& u : all) n += u.role == Role::kAdmin && !u.disabled && u.username != except;
  return n;
}

HttpResponse set_role(Context& c, const std::string& name) {
  const std::string expected = "{\"role\": viewer|investigator|admin}";
  auto body = c.body_object(expected);
  auto role = parse_role(required_string(body, "role", expected));
  if (!role) throw BadRequest("role must be viewer, investigator or admin");
  auto all = c.db.users();
  const ConsoleDb::UserRow* user = nullptr;
  for (auto& u : all)
    if (u.username == name) user = &u;
  if (!user) return error(404, "no user " + name);
  // Demoting the last admin would lock everyone out of user management.
  if (user->role == Role::kAdmin && *role != Role::kAdmin && other_enabled_admins(all, name) == 0)
    return error(409, "user " + name + " is the last admin");
  std::string old = to_string(user->role);
  const bool demoted = static_cast<int>(*role) < static_cast<int>(user->role);
  c.db.set_role(name, *role);
  // A demotion must not leave sessions or tokens that were handed out for the
  // higher role: the user logs in again (and gets new tokens) as what they are now.
  std::string ended = demoted ? " " + end_credentials(c, name, "role lowered to " + std::string(to_string(*role))) : "";
  c.audit("user.role", name, old + "->" + to_string(*role) + ended);
  return reply(200, json::object{{"username", name}, {"role", to_string(*role)}});
}

HttpResponse set_disabled(Context& c, const std::string& name, bool disable) {
  auto all = c.db.users();
  const ConsoleDb::UserRow* user = nullptr;
  for (auto& u : all)
    if (u.username == name) user = &u;
  if (!user) return error(404, "no user " + name);
  if (disable && name == c.who.username) return error(409, "you cannot disable yourself");
  if (disable && user->role == Role::kAdmin && other_enabled_admins(all, name) == 0)
    return error(409, "user " + name + " is the last enabled admin");
  c.db.set_disabled(name, disable);
  if (disable) {
    c.audit("user.disable", name, end_credentials(c, name, "user disabled"));
  } else {
    c.audit("user.enable", name);
  }
  return reply(200, json::object{{"username", name}, {"disabled", disable}});
}

std::string token_state(const ApiTokenRecord& t, int64_t now) {
  if (t.revoked_unix_ms) return "revoked";
  if (t.expires_unix_ms <= now) return "expired";
  return "valid";
}

// The admin page reads five lists on every visit (API tokens, enrollment
// tokens, assignments, catalog, agent health), which made five audit rows
// per visit. The first list read by a user from one address is a row of its
// own; further list reads by them within 10 minutes fold into it (its count
// grows), so one visit is one row. Changes are never folded.
void audit_list_read(Context& c, const std::string& action, const std::string& target = {}) {
  static std::mutex mu;
  static std::map<std::string, std::pair<int64_t, int64_t>> open_rows;  // db|actor|peer → (row, last read)
  constexpr int64_t kWindowMs = 10 * 60 * 1000;
  const std::string key = c.db.raw().path().string() + "|" + c.who.username + "|" + c.req.peer;
  const int64_t now = now_ms();
  std::lock_guard lock(mu);
  if (auto it = open_rows.find(key); it != open_rows.end() && now - it->second.second < kWindowMs) {
    c.db.audit_repeat(it->second.first);
    it->second.second = now;
    return;
  }
  if (open_rows.size() > 10000) open_rows.clear();
  open_rows[key] = {c.db.audit(now, c.who.username, action, target, c.req.peer,
                               "admin lists read within 10 minutes count here"),
                    now};
}

HttpResponse api_tokens(Context& c) {
  if (c.get()) {
    const int64_t now = now_ms();
    json::array out;
    for (auto& t : c.db.api_tokens())
      out.push_back(json::object{{"id", t.id}, {"username", t.username}, {"created_by", t.created_by},
                                 {"created_unix_ms", t.created_unix_ms}, {"expires_unix_ms", t.expires_unix_ms},
                                 {"revoked_unix_ms", t.revoked_unix_ms}, {"revoked_reason", t.revoked_reason},
                                 {"state", token_state(t, now)}});
    audit_list_read(c, "api_token.list");
    return reply(200, json::object{{"tokens", std::move(out)}});
  }
  const std::string expected = "{\"username\": string, \"ttl_days\"?: integer}";
  auto body = c.body_object(expected);
  std::string name = required_string(body, "username", expected);
  int64_t ttl_days = c.options.api_token_default_days;
  if (body.contains("ttl_days")) ttl_days = required_int(body, "ttl_days", expected);
  if (ttl_days < 1 || ttl_days > c.options.api_token_max_days)
    throw BadRequest("ttl_days: 1 to " + std::to_string(c.options.api_token_max_days));
  const ConsoleDb::UserRow* user = nullptr;
  auto all = c.db.users();
  for (auto& u : all)
    if (u.username == name) user = &u;
  if (!user) return error(404, "no user " + name);
  if (user->disabled) return error(409, "user " + name + " is disabled");
  auto issued = c.db.create_api_token(name, now_ms(), ttl_days * 86400000LL, c.who.username);
  c.audit("api_token.create", name, "id=" + issued.id + " ttl_days=" + std::to_string(ttl_days));
  return reply(201, json::object{{"username", name}, {"id", issued.id}, {"token", issued.secret},
                                 {"expires_unix_ms", issued.expires_unix_ms}});
}

HttpResponse revoke_api_token(Context& c, const std::string& id) {
  auto record = c.db.api_token_record(id);
  if (!record) return error(404, "no API token " + id);
  if (!c.db.revoke_api_token(id, now_ms(), "revoked by " + c.who.username))
    return error(409, "API token " + id + " is already revoked");
  c.audit("api_token.revoke", record->username, "id=" + id);
  return reply(200, json::object{{"ok", true}, {"id", id}});
}

HttpResponse audit_log(Context& c) {
  const int64_t limit = int_param(c.query, "limit", 1000, 1, 100000);
  json::array out;
  // Targets as people read them: a device id becomes its hostname, a case id
  // "case #N (hostname)"; user names and token ids stay as they are.
  std::map<std::string, std::string> hostnames;
  for (auto& d : c.store.devices()) hostnames[d.device_id] = d.hostname;
  std::map<int64_t, std::string> case_hosts;
  for (auto& k : c.db.cases()) case_hosts[k.id] = hostnames.count(k.device_id) ? hostnames[k.device_id] : k.device_id;
  for (auto& e : c.db.audit_log(static_cast<size_t>(limit))) {
    std::string name = e.target;
    if (auto h = hostnames.find(e.target); h != hostnames.end() && !h->second.empty()) {
      name = h->second;
    } else if (e.action.rfind("case.", 0) == 0 && !e.target.empty() &&
               e.target.find_first_not_of("0123456789") == std::string::npos && e.target.size() < 18) {
      auto k = case_hosts.find(std::stoll(e.target));
      name = "case #" + e.target + (k != case_hosts.end() ? " (" + k->second + ")" : "");
    }
    out.push_back(json::object{{"id", e.id}, {"unix_ms", e.unix_ms}, {"actor", e.actor}, {"action", e.action},
                               {"target", e.target}, {"target_name", name}, {"peer", e.peer}, {"detail", e.detail},
                               {"count", e.repeats}});
  }
  return reply(200, json::object{{"audit", std::move(out)}});
}

// Lists never carry the secret or its hash: only the id derived from it.
HttpResponse enrollment_tokens(Context& c) {
  if (c.get()) {
    json::array out;
    for (auto& t : c.store.tokens())
      out.push_back(json::object{{"id", t.id}, {"created_unix_ms", t.created_unix_ms},
                                 {"expires_unix_ms", t.expires_unix_ms}, {"max_uses", t.max_uses}, {"uses", t.uses},
                                 {"revoked", t.revoked}, {"note", t.note}});
    audit_list_read(c, "enrollment_token.list");
    return reply(200, json::object{{"tokens", std::move(out)}});
  }
  const std::string expected = "{\"max_uses\": integer, \"ttl_hours\": integer, \"note\"?: string}";
  auto body = c.body_object(expected);
  int64_t uses = required_int(body, "max_uses", expected), ttl_hours = required_int(body, "ttl_hours", expected);
  std::string note = body.contains("note") ? required_string(body, "note", expected) : "";
  if (ttl_hours < 1 || ttl_hours > 366 * 24) throw BadRequest("ttl_hours: 1 to 8784");
  IssuedToken issued;
  try {
    issued = issue_token(c.store, c.options.data_dir, uses, ttl_hours * 3600, "", note);
  } catch (const std::invalid_argument& e) {
    throw BadRequest(e.what());
  } catch (const std::runtime_error& e) {
    return error(503, std::string("cannot issue an enrollment token: ") + e.what());
  }
  c.audit("enrollment_token.create", issued.record.id, "max_uses=" + std::to_string(uses) +
                                                           " ttl_hours=" + std::to_string(ttl_hours));
  return reply(201, json::object{{"id", issued.record.id}, {"token", issued.token},
                                 {"expires_unix_ms", issued.record.expires_unix_ms}, {"address", issued.address}});
}

HttpResponse assignments(Context& c) {
  if (c.get()) {
    json::array out;
    for (auto& a : c.store.assignments())
      out.push_back(json::object{{"device", a.device_key}, {"employee", a.employee}, {"email", a.email},
                                 {"timezone", a.timezone}, {"region", a.region}});
    audit_list_read(c, "assignments.list");
    return reply(200, json::object{{"assignments", std::move(out)}});
  }
  if (c.req.content_type.rfind("text/csv", 0) != 0)
    return error(415, "content type " + c.req.content_type + ": expected text/csv (device,employee,email,timezone,region)");
  std::istringstream in(c.req.body);
  std::vector<Assignment> rows;
  try {
    rows = parse_assignments_csv(in, "assignments.csv");
  } catch (const AssignmentCsvError& e) {
    throw BadRequest(e.what());
  }
  c.store.replace_assignments(rows);
  c.audit("assignments.import", "", std::to_string(rows.size()) + " rows");
  return reply(200, json::object{{"imported", rows.size()}});
}

HttpResponse catalog_info(Context& c) {
  auto cat = catalog(c.options);
  json::array rules;
  auto add = [&](const auto& entries) {
    for (auto& e : entries) rules.emplace_back(e.id);
  };
  add(cat->usb());
  add(cat->edid());
  add(cat->remote_tools());
  add(cat->input_methods());
  add(cat->brands());
  // The versions the latest verdicts were computed with: a mismatch means
  // some devices have not been re-evaluated since the catalog changed.
  std::map<std::string, int64_t> in_use;
  // Stored verdicts are protobuf JSON (catalogVersion); reading them as
  // protobuf gets the field whatever its JSON spelling, so no verdict counts
  // as "(none)" just for being stored in lowerCamel.
  for (auto& v : c.store.latest_verdicts()) {
    auto parsed = detect::verdict_from_json(v.json);
    ++in_use[parsed ? parsed->catalog_version() : std::string()];
  }
  json::object versions;
  for (auto& [v, n] : in_use) versions[v] = n;
  audit_list_read(c, "catalog.view", cat->version());
  return reply(200, json::object{{"version", cat->version()},
                                 {"rules", std::move(rules)},
                                 {"zones", cat->zones().size()},
                                 {"regions", cat->regions().size()},
                                 {"verdict_catalog_versions", std::move(versions)}});
}

HttpResponse agent_health(Context& c) {
  json::array out;
  for (auto& d : c.store.devices()) {
    if (d.revoked) continue;
    auto facts = c.facts.get(c.store, d);
    const auto& h = facts.health;
    json::array shed;
    for (auto& s : h.shed_work()) shed.emplace_back(s);
    out.push_back(json::object{{"device_id", d.device_id},
                               {"hostname", d.hostname},
                               {"agent_version", h.version().empty() ? d.agent_version : h.version()},
                               {"rss_bytes", h.rss_bytes()},
                               {"cpu_percent", h.cpu_percent()},
                               {"spool_depth", h.spool_depth()},
                               {"spool_bytes", h.spool_bytes()},
                               {"gaps_recorded", h.gaps_recorded()},
                               {"shed_work", std::move(shed)},
                               {"has_report", facts.has_health},
                               {"last_seen_unix_ms", d.last_seen_unix_ms}});
  }
  audit_list_read(c, "agent_health.view");
  // A bare array: the contract the web UI's admin page is written against.
  return reply(200, out);
}

}  // namespace

std::optional<HttpResponse> admin_routes(Context& c) {
  const std::string& p = c.path;
  const bool get = c.get(), post = c.post();
  std::optional<std::function<HttpResponse()>> run;
  if (p == "/api/v1/users" && (get || post)) run = [&] { return users(c); };
  else if (p == "/api/v1/api-tokens" && (get || post)) run = [&] { return api_tokens(c); };
  else if (p == "/api/v1/audit" && get) run = [&] { return audit_log(c); };
  else if (p == "/api/v1/enrollment-tokens" && (get || post)) run = [&] { return enrollment_tokens(c); };
  else if (p == "/api/v1/assignments" && (get || post)) run = [&] { return assignments(c); };
  else if (p == "/api/v1/catalog" && get) run = [&] { return catalog_info(c); };
  else if (p == "/api/v1/agent-health" && get) run = [&] { return agent_health(c); };
  else if (post && p.rfind("/api/v1/users/", 0) == 0 && p.ends_with("/role")) {
    std::string name = p.substr(14, p.size() - 14 - 5);
    if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
    run = [&c, name] { return set_role(c, name); };
  } else if (post && p.rfind("/api/v1/users/", 0) == 0 && (p.ends_with("/disable") || p.ends_with("/enable"))) {
    const bool disable = p.ends_with("/disable");
    std::string name = p.substr(14, p.size() - 14 - (disable ? 8 : 7));
    if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
    run = [&c, name, disable] { return set_disabled(c, name, disable); };
  } else if (post && p.rfind("/api/v1/api-tokens/", 0) == 0 && p.ends_with("/revoke")) {
    std::string id = p.substr(19, p.size() - 19 - 7);
    if (id.empty() || id.find('/') != std::string::npos) return std::nullopt;
    run = [&c, id] { return revoke_api_token(c, id); };
  } else if (post && p.rfind("/api/v1/enrollment-tokens/", 0) == 0 && p.ends_with("/revoke")) {
    std::string id = p.substr(26, p.size() - 26 - 7);
    if (id.empty() || id.find('/') != std::string::npos) return std::nullopt;
    run = [&c, id] {
      if (!c.store.revoke_token(id)) return error(404, "no enrollment token " + id);
      c.audit("enrollment_token.revoke", id);
      return reply(200, json::object{{"ok", true}});
    };
  }
  if (!run) return std::nullopt;
  if (!c.allowed(Role::kAdmin)) return forbidden(Role::kAdmin);
  return (*run)();
}

}  // namespace telltale::server::console::internal
