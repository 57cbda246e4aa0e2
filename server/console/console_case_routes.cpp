// /api/v1/cases…: investigations of one device each (investigator role),
// stored in console.db with an append-only note history; every read and
// change is audited.
#include "server/console/console_internal.h"
#include "server/console/evidence_export.h"
#include "server/detect/why.h"

#include <algorithm>

namespace telltale::server::console::internal {
namespace {

constexpr size_t kMaxNote = 10000;
constexpr size_t kMaxTitle = 200;

std::string hostname_of(Store& store, const std::string& device_id) {
  auto d = store.device(device_id);
  return d ? d->hostname : "";
}

// Characters as a person counts them: UTF-8 code points, not bytes.
size_t characters(std::string_view s) {
  size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

std::optional<int64_t> case_id(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(text);
}

std::string optional_string(const json::object& body, const char* key, size_t max, const std::string& expected) {
  auto it = body.find(key);
  if (it == body.end() || it->value().is_null()) return {};
  if (!it->value().is_string() || characters(it->value().as_string()) > max)
    throw BadRequest(std::string(key) + ": expected a string of at most " + std::to_string(max) + " characters; body " +
                     expected);
  return std::string(it->value().as_string());
}

// A cluster kind as a case title says it ("one KVM (USB serial)").
std::string cluster_words(const std::string& kind) {
  static const std::map<std::string, std::string> words{
      {"shared_gateway_mac", "one router (gateway MAC)"},  {"shared_egress_ip", "one public internet address"},
      {"shared_bssid", "one Wi-Fi access point"},         {"shared_monitor_serial", "one monitor or capture device"},
      {"shared_kvm_serial", "one KVM (USB serial)"},       {"borrowed_monitor_serial", "a monitor seen before on"},
      {"borrowed_kvm_serial", "a KVM seen before on"},     {"silent_together", "a silence at the same time"},
      {"answered_in_sequence", "presence checks answered in turn by one person, first check"}};
  auto it = words.find(kind);
  return it != words.end() ? it->second : kind;
}

// The device's grouped evidence as it is now, to pin into a case: verdict,
// why, and each group with its indicators spelled out (not indexes), so the
// pinned copy reads on its own after the device's verdict moves on.
json::object pinned_evidence(Store& store, const std::string& device_id) {
  auto d = store.device(device_id);
  json::object o{{"device_id", device_id}, {"hostname", d ? d->hostname : ""}};
  auto history = store.verdict_history(device_id, 1);
  if (history.empty()) {
    o["verdict"] = "unevaluated";
    o["groups"] = json::array{};
    return o;
  }
  const auto& v = history.front();
  o["verdict"] = v.level;
  o["score"] = v.score;
  o["score_text"] = detect::format_score(v.score);
  o["evaluated_unix_ms"] = v.evaluated_unix_ms;
  json::array groups;
  if (auto parsed = detect::verdict_from_json(v.json)) {
    o["why"] = detect::why(*parsed);
    for (auto& g : detect::group_evidence(*parsed)) {
      json::array indicators;
      for (int i : g.indicators) {
        if (i < 0 || i >= parsed->indicators_size()) continue;
        const auto& ind = parsed->indicators(i);
        json::array facts;
        for (auto& f : ind.evidence()) facts.push_back(json::object{{"key", f.key()}, {"value", f.value()}});
        indicators.push_back(json::object{{"id", ind.id()}, {"title", ind.title()}, {"severity", ind.severity()},
                                          {"score_text", detect::format_score(ind.score())}, {"facts", std::move(facts)}});
      }
      groups.push_back(json::object{{"thing", g.thing}, {"kind", g.kind}, {"label", g.label}, {"severity", g.severity},
                                    {"score_text", detect::format_score(g.score)}, {"indicators", std::move(indicators)}});
    }
  }
  o["groups"] = std::move(groups);
  return o;
}

void pin(Context& c, const CaseRecord& k) {
  for (auto& device_id : c.db.case_devices(k.id, k.device_id))
    c.db.pin_case_evidence(k.id, device_id, c.who.username, json::serialize(pinned_evidence(c.store, device_id)), now_ms());
}

// Owners are console users who may work cases (investigator or admin, enabled).
std::vector<std::string> owners(ConsoleDb& db) {
  std::vector<std::string> out;
  for (auto& u : db.users())
    if (!u.disabled && u.role != Role::kViewer) out.push_back(u.username);
  return out;
}

std::optional<std::string> owner_field(Context& c, const json::object& body, const std::string& expected) {
  if (!body.contains("owner") || body.at("owner").is_null()) return std::nullopt;
  std::string owner = optional_string(body, "owner", 64, expected);
  if (!owner.empty()) {
    auto all = owners(c.db);
    if (std::find(all.begin(), all.end(), owner) == all.end())
      throw BadRequest("owner \"" + owner + "\" is not a console user who may work cases (investigator or admin)");
  }
  return owner;
}

// The open or acknowledged case already covering the device (as its first
// device or as a cluster member), if any.
std::optional<CaseRecord> active_case(ConsoleDb& db, const std::string& device_id) {
  for (auto& other : db.cases({}, device_id))
    if (other.status == "open" || other.status == "acknowledged") return other;
  for (int64_t id : db.cases_covering(device_id))
    if (auto other = db.get_case(id); other && (other->status == "open" || other->status == "acknowledged"))
      return other;
  return std::nullopt;
}

HttpResponse duplicate(const std::string& hostname, const CaseRecord& other) {
  return reply(409, json::object{{"error", hostname + " already has " + other.status + " case " + std::to_string(other.id) +
                                               " (\"" + other.title + "\", owner " +
                                               (other.owner.empty() ? "none" : other.owner) +
                                               "); send duplicate_ok to open another"},
                                 {"existing_case", other.id}});
}

CaseRecord open_one(Context& c, const std::string& device_id, const std::string& title,
                    const std::vector<std::string>& members, const std::string& cluster_id,
                    const std::optional<std::string>& owner) {
  auto k = c.db.create_case(device_id, title, c.who.username, now_ms());
  c.db.add_case_change(k.id, c.who.username, "opened", "", "open", now_ms());
  if (!members.empty()) c.db.add_case_devices(k.id, members, cluster_id);
  if (owner && *owner != k.owner) {
    c.db.add_case_change(k.id, c.who.username, "owner", k.owner, *owner, now_ms());
    k = *c.db.update_case(k.id, {}, owner, now_ms());
  }
  pin(c, k);
  return k;
}

HttpResponse list(Context& c) {
  const std::string status = c.query.count("status") ? c.query.at("status") : "";
  if (!status.empty() && !valid_case_status(status))
    throw BadRequest("status=\"" + status + "\": expected open, acknowledged, false_positive or confirmed");
  std::map<std::string, std::string> hostnames;
  for (auto& d : c.store.devices()) hostnames[d.device_id] = d.hostname;
  json::array out;
  for (auto& k : c.db.cases(status)) out.push_back(case_json(k, hostnames[k.device_id], false));
  return reply(200, json::object{{"cases", std::move(out)}});
}

HttpResponse open_case(Context& c) {
  const std::string expected =
      "{\"device_id\": string | \"cluster_id\": string, \"title\"?: string, \"owner\"?: string, \"duplicate_ok\"?: true}";
  auto body = c.body_object(expected);
  std::string title = optional_string(body, "title", kMaxTitle, expected);
  auto owner = owner_field(c, body, expected);
  const bool duplicate_ok = body.contains("duplicate_ok") && body.at("duplicate_ok").is_bool() &&
                            body.at("duplicate_ok").as_bool();
  if (body.contains("cluster_id")) {
    // One case for a whole farm: every member laptop the cluster has now.
    if (!body.at("cluster_id").is_string()) throw BadRequest("cluster_id: expected a string; body " + expected);
    const std::string cluster_id(body.at("cluster_id").as_string());
    std::optional<StoredCluster> cluster;
    for (auto& cl : c.store.clusters())
      if (cl.cluster_id == cluster_id) cluster = cl;
    if (!cluster) return error(404, "no cluster " + cluster_id + " (it may have dissolved since the page was loaded)");
    std::vector<std::string> members;
    std::string names;
    for (auto& m : cluster->members)
      if (auto d = c.store.device(m)) {
        members.push_back(m);
        names += (names.empty() ? "" : ", ") + (d->hostname.empty() ? m : d->hostname);  // a laptop without a hostname by its id
      }
    if (members.empty()) return error(404, "cluster " + cluster_id + " has no enrolled laptop");
    if (!duplicate_ok)
      for (auto& m : members)
        if (auto other = active_case(c.db, m)) return duplicate(c.store.device(m)->hostname, *other);
    if (title.empty())
      title = std::to_string(members.size()) + " laptops sharing " + cluster_words(cluster->kind) + " " +
              cluster->key + ": " + names;
    auto k = open_one(c, members.front(), title, members, cluster_id, owner);
    c.audit("case.open", std::to_string(k.id), "cluster=" + cluster_id + " devices=" + std::to_string(members.size()));
    return reply(201, case_json(k, c.store.device(k.device_id)->hostname, true));
  }
  if (!body.contains("device_id") || !body.at("device_id").is_string())
    throw BadRequest("device_id: expected a string; body " + expected);
  std::string device_id(body.at("device_id").as_string());
  auto d = c.store.device(device_id);
  if (!d) return error(404, "no device " + device_id);
  if (title.empty()) title = "Investigation of " + d->hostname;
  // A second case on a laptop already being worked splits the evidence and
  // the notes: refuse it unless the caller says it is meant.
  if (!duplicate_ok)
    if (auto other = active_case(c.db, device_id)) return duplicate(d->hostname, *other);
  auto k = open_one(c, device_id, title, {}, {}, owner);
  c.audit("case.open", std::to_string(k.id), "device=" + device_id);
  return reply(201, case_json(k, d->hostname, true));
}

// Several laptops at once (a device list's selection): each gets the owner on
// its open case, or a new case with that owner. One audit row per device.
HttpResponse bulk(Context& c) {
  const std::string expected = "{\"device_ids\": [string, …] (1-200), \"owner\"?: string, \"title\"?: string}";
  auto body = c.body_object(expected);
  if (!body.contains("device_ids") || !body.at("device_ids").is_array()) throw BadRequest("device_ids: expected a list; body " + expected);
  const auto& ids = body.at("device_ids").as_array();
  if (ids.empty() || ids.size() > 200) throw BadRequest("device_ids: 1 to 200 devices; body " + expected);
  auto owner = owner_field(c, body, expected);
  const std::string title = optional_string(body, "title", kMaxTitle, expected);
  json::array results;
  size_t opened = 0, assigned = 0;
  for (auto& v : ids) {
    if (!v.is_string()) throw BadRequest("device_ids: expected strings; body " + expected);
    const std::string id(v.as_string());
    auto d = c.store.device(id);
    if (!d) {
      results.push_back(json::object{{"device_id", id}, {"error", "no such device"}});
      continue;
    }
    if (auto k = active_case(c.db, id)) {
      std::string action = "unchanged";
      if (owner && *owner != k->owner) {
        c.db.add_case_change(k->id, c.who.username, "owner", k->owner, *owner, now_ms());
        c.db.update_case(k->id, {}, owner, now_ms());
        c.audit("case.update", std::to_string(k->id), "device=" + id + " owner " + k->owner + "->" + *owner + " (bulk)");
        action = "assigned";
        ++assigned;
      }
      results.push_back(json::object{{"device_id", id}, {"hostname", d->hostname}, {"case_id", k->id}, {"action", action}});
      continue;
    }
    auto k = open_one(c, id, title.empty() ? "Investigation of " + d->hostname : title, {}, {}, owner);
    c.audit("case.open", std::to_string(k.id), "device=" + id + (owner ? " owner=" + *owner : "") + " (bulk)");
    results.push_back(json::object{{"device_id", id}, {"hostname", d->hostname}, {"case_id", k.id}, {"action", "opened"}});
    ++opened;
  }
  return reply(200, json::object{{"results", std::move(results)}, {"opened", opened}, {"assigned", assigned}});
}

HttpResponse view(Context& c, const CaseRecord& k) {
  auto o = case_json(k, hostname_of(c.store, k.device_id), true);
  json::object device{{"device_id", k.device_id}};
  if (auto d = c.store.device(k.device_id)) {
    device = device_json(*d);
    for (auto& v : c.store.verdict_history(k.device_id, 1)) {
      device["verdict"] = v.level;
      device["score"] = v.score;
    }
    device["assignee"] = assignee_json(assignment_for(c.store.assignments(), *d));
  }
  o["device"] = std::move(device);
  json::array devices;
  std::map<std::string, std::string> levels;
  for (auto& v : c.store.latest_verdicts()) levels[v.device_id] = v.level;
  for (auto& id : c.db.case_devices(k.id, k.device_id)) {
    auto d = c.store.device(id);
    devices.push_back(json::object{{"device_id", id}, {"hostname", d ? d->hostname : ""},
                                   {"verdict", levels.count(id) ? levels[id] : "unevaluated"}});
  }
  o["devices"] = std::move(devices);
  o["cluster_id"] = c.db.case_cluster(k.id);
  json::array history;
  for (auto& h : c.db.case_history(k.id))
    history.push_back(json::object{{"unix_ms", h.unix_ms}, {"actor", h.actor}, {"field", h.field},
                                   {"before", h.before}, {"after", h.after}});
  o["history"] = std::move(history);
  json::array evidence;
  for (auto& e : c.db.case_evidence(k.id)) {
    json::value pinned = parse_json_or_null(e.json);
    if (!pinned.is_object()) pinned = json::object{{"device_id", e.device_id}, {"raw", e.json}};
    pinned.as_object()["pinned_by"] = e.pinned_by;
    pinned.as_object()["pinned_unix_ms"] = e.unix_ms;
    evidence.push_back(std::move(pinned));
  }
  o["evidence"] = std::move(evidence);
  json::array who;
  for (auto& u : owners(c.db)) who.emplace_back(u);
  o["owners"] = std::move(who);
  c.audit("case.view", std::to_string(k.id));
  return reply(200, o);
}

HttpResponse update(Context& c, const CaseRecord& k) {
  const std::string expected = "{\"status\"?: open|acknowledged|false_positive|confirmed, \"owner\"?: string}";
  auto body = c.body_object(expected);
  std::string status = optional_string(body, "status", 32, expected);
  if (!status.empty() && !valid_case_status(status))
    throw BadRequest("status \"" + status + "\": expected open, acknowledged, false_positive or confirmed");
  auto owner = owner_field(c, body, expected);
  if (status.empty() && !owner) throw BadRequest("nothing to change; body " + expected);
  auto after = c.db.update_case(k.id, status, owner, now_ms());
  if (!after) return error(404, "no case " + std::to_string(k.id));
  if (!status.empty() && status != k.status) c.db.add_case_change(k.id, c.who.username, "status", k.status, status, now_ms());
  if (owner && *owner != k.owner) c.db.add_case_change(k.id, c.who.username, "owner", k.owner, *owner, now_ms());
  std::string detail;
  if (!status.empty()) detail += "status " + k.status + "->" + after->status;
  if (owner) detail += std::string(detail.empty() ? "" : "; ") + "owner " + k.owner + "->" + after->owner;
  c.audit("case.update", std::to_string(k.id), detail);
  return reply(200, case_json(*after, hostname_of(c.store, k.device_id), true));
}

HttpResponse add_note(Context& c, const CaseRecord& k) {
  const std::string expected = "{\"text\": string of 1 to 10000 characters}";
  auto body = c.body_object(expected);
  if (!body.contains("text") || !body.at("text").is_string()) throw BadRequest("text: expected a string; body " + expected);
  std::string text(body.at("text").as_string());
  const size_t length = characters(text);
  if (length == 0 || length > kMaxNote)
    throw BadRequest("text: " + std::to_string(length) + " characters; body " + expected);
  if (!c.db.add_case_note(k.id, c.who.username, text, now_ms())) return error(404, "no case " + std::to_string(k.id));
  c.audit("case.note", std::to_string(k.id), std::to_string(length) + " characters");
  return reply(201, case_json(*c.db.get_case(k.id), hostname_of(c.store, k.device_id), true));
}

HttpResponse export_case(Context& c, const CaseRecord& k) {
  const std::string format = c.query.count("format") ? c.query.at("format") : "json";
  if (format != "json" && format != "html") throw BadRequest("format=\"" + format + "\": expected json or html");
  const ExportMeta meta{c.who.username, now_ms(), catalog(c.options)->version(), &c.options};
  json::object out{{"export", json::object{{"exported_by", meta.exported_by},
                                           {"exported_unix_ms", meta.exported_unix_ms},
                                           {"exported_at", iso_time_ms(meta.exported_unix_ms)},
                                           {"catalog_version", meta.catalog_version},
                                           {"format", "telltale.case.v1"}}}};
  auto d = c.store.device(k.device_id);
  out["case"] = case_json(k, d ? d->hostname : "", true);
  out["evidence"] = d ? json::value(evidence_bundle(c.db, c.store, *d, meta)) : json::value(nullptr);
  c.audit("case.export", std::to_string(k.id), "format=" + format);
  HttpResponse response =
      format == "html"
          ? HttpResponse{200, "text/html; charset=utf-8", bundle_html(out, "Case " + std::to_string(k.id) + ": " + k.title), {}}
          : reply(200, out);
  name_export(response, "case", std::to_string(k.id), meta.exported_unix_ms);
  return response;
}

}  // namespace

std::optional<HttpResponse> case_routes(Context& c) {
  const std::string base = "/api/v1/cases";
  if (c.path != base && c.path.rfind(base + "/", 0) != 0) return std::nullopt;
  if (c.path == base + "/owners" && c.get()) {
    if (!c.allowed(Role::kInvestigator)) return forbidden(Role::kInvestigator);
    json::array out;
    for (auto& u : owners(c.db)) out.emplace_back(u);
    return reply(200, json::object{{"owners", std::move(out)}});
  }
  if (c.path == base + "/bulk") {
    if (!c.post()) return std::nullopt;
    if (!c.allowed(Role::kInvestigator)) return forbidden(Role::kInvestigator);
    return bulk(c);
  }
  if (c.path == base) {
    if (!c.get() && !c.post()) return std::nullopt;
    if (!c.allowed(Role::kInvestigator)) return forbidden(Role::kInvestigator);
    return c.get() ? list(c) : open_case(c);
  }
  std::string rest = c.path.substr(base.size() + 1), action;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    action = rest.substr(slash + 1);
    rest.resize(slash);
  }
  const bool known = (action.empty() && (c.get() || c.post())) || (action == "notes" && c.post()) || (action == "evidence" && c.post()) ||
                     (action == "export" && c.get());
  if (!known) return std::nullopt;
  if (!c.allowed(Role::kInvestigator)) return forbidden(Role::kInvestigator);
  auto id = case_id(rest);
  auto k = id ? c.db.get_case(*id) : std::nullopt;
  if (!k) return error(404, "no case " + rest);
  if (action == "notes") return add_note(c, *k);
  if (action == "evidence") {
    pin(c, *k);
    c.db.add_case_change(k->id, c.who.username, "evidence", "", "pinned", now_ms());
    c.audit("case.pin", std::to_string(k->id), "devices=" + std::to_string(c.db.case_devices(k->id, k->device_id).size()));
    return view(c, *c.db.get_case(k->id));
  }
  if (action == "export") return export_case(c, *k);
  return c.get() ? view(c, *k) : update(c, *k);
}

}  // namespace telltale::server::console::internal
