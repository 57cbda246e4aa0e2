// /api/v1/cases…: investigations of one device each (investigator role),
// stored in console.db with an append-only note history; every read and
// change is audited.
#include "server/console/console_internal.h"
#include "server/console/evidence_export.h"

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
  const std::string expected = "{\"device_id\": string, \"title\"?: string, \"duplicate_ok\"?: true}";
  auto body = c.body_object(expected);
  if (!body.contains("device_id") || !body.at("device_id").is_string())
    throw BadRequest("device_id: expected a string; body " + expected);
  std::string device_id(body.at("device_id").as_string());
  std::string title = optional_string(body, "title", kMaxTitle, expected);
  auto d = c.store.device(device_id);
  if (!d) return error(404, "no device " + device_id);
  if (title.empty()) title = "Investigation of " + d->hostname;
  // A second case on a laptop already being worked splits the evidence and
  // the notes: refuse it unless the caller says it is meant.
  const bool duplicate_ok = body.contains("duplicate_ok") && body.at("duplicate_ok").is_bool() &&
                            body.at("duplicate_ok").as_bool();
  if (!duplicate_ok)
    for (auto& other : c.db.cases({}, device_id))
      if (other.status == "open" || other.status == "acknowledged")
        return reply(409, json::object{{"error", d->hostname + " already has " + other.status + " case " +
                                                     std::to_string(other.id) + " (\"" + other.title + "\", owner " +
                                                     (other.owner.empty() ? "none" : other.owner) +
                                                     "); send duplicate_ok to open another"},
                                       {"existing_case", other.id}});
  auto k = c.db.create_case(device_id, title, c.who.username, now_ms());
  c.audit("case.open", std::to_string(k.id), "device=" + device_id);
  return reply(201, case_json(k, d->hostname, true));
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
  c.audit("case.view", std::to_string(k.id));
  return reply(200, o);
}

HttpResponse update(Context& c, const CaseRecord& k) {
  const std::string expected = "{\"status\"?: open|acknowledged|false_positive|confirmed, \"owner\"?: string}";
  auto body = c.body_object(expected);
  std::string status = optional_string(body, "status", 32, expected);
  if (!status.empty() && !valid_case_status(status))
    throw BadRequest("status \"" + status + "\": expected open, acknowledged, false_positive or confirmed");
  std::optional<std::string> owner;
  if (body.contains("owner") && !body.at("owner").is_null()) {
    owner = optional_string(body, "owner", 64, expected);
    if (!owner->empty()) {
      bool known = false;
      for (auto& u : c.db.users()) known |= u.username == *owner;
      if (!known) throw BadRequest("owner \"" + *owner + "\" is not a console user");
    }
  }
  if (status.empty() && !owner) throw BadRequest("nothing to change; body " + expected);
  auto after = c.db.update_case(k.id, status, owner, now_ms());
  if (!after) return error(404, "no case " + std::to_string(k.id));
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
  const bool known = (action.empty() && (c.get() || c.post())) || (action == "notes" && c.post()) ||
                     (action == "export" && c.get());
  if (!known) return std::nullopt;
  if (!c.allowed(Role::kInvestigator)) return forbidden(Role::kInvestigator);
  auto id = case_id(rest);
  auto k = id ? c.db.get_case(*id) : std::nullopt;
  if (!k) return error(404, "no case " + rest);
  if (action == "notes") return add_note(c, *k);
  if (action == "export") return export_case(c, *k);
  return c.get() ? view(c, *k) : update(c, *k);
}

}  // namespace telltale::server::console::internal
