// /api/v1/devices…: the device list, one device's evidence, its RTT chart,
// activity heatmap, evidence export and revocation.
#include <algorithm>
#include <set>

#include "server/console/console_internal.h"
#include "server/console/evidence_export.h"
#include "server/console/heatmap.h"
#include "server/console/snapshot_changes.h"
#include "server/reports/csv_cell.h"
#include "server/detect/why.h"
#include "server/store/device_ref.h"

namespace telltale::server::console::internal {
namespace {

int verdict_rank(const std::string& level) {
  if (level == "puppeteered") return 4;
  if (level == "suspicious") return 3;
  if (level == "review") return 2;
  if (level == "clean") return 1;
  return 0;
}

// ?verdict=&q=&sort=&order=: the filter, search and order the console keeps
// in its URL, so a shared link or a verdict tile opens the same list.
HttpResponse list_devices(Context& c) {
  if (!c.allowed(Role::kViewer)) return forbidden(Role::kViewer);
  const std::string verdict = c.query.count("verdict") ? c.query.at("verdict") : "";
  const std::string q = c.query.count("q") ? c.query.at("q") : "";
  const std::string sort = c.query.count("sort") ? c.query.at("sort") : "hostname";
  const std::string order = c.query.count("order") ? c.query.at("order") : (sort == "hostname" ? "asc" : "desc");
  if (!verdict.empty() && verdict != "clean" && verdict != "review" && verdict != "suspicious" &&
      verdict != "puppeteered" && verdict != "unevaluated")
    throw BadRequest("verdict=\"" + verdict + "\": expected clean, review, suspicious, puppeteered or unevaluated");
  if (sort != "score" && sort != "last_seen" && sort != "hostname" && sort != "verdict")
    throw BadRequest("sort=\"" + sort + "\": expected score, verdict, last_seen or hostname");
  if (order != "asc" && order != "desc") throw BadRequest("order=\"" + order + "\": expected asc or desc");
  const std::string format = c.query.count("format") ? c.query.at("format") : "json";
  if (format != "json" && format != "csv") throw BadRequest("format=\"" + format + "\": expected json or csv");
  if (q.size() > 200) throw BadRequest("q: " + std::to_string(q.size()) + " bytes, expected at most 200");
  const bool searching = q.find_first_not_of(" \t") != std::string::npos;

  std::map<std::string, StoredVerdict> verdicts;
  for (auto& v : c.store.latest_verdicts()) verdicts[v.device_id] = v;
  const auto assignments = c.store.assignments();
  const auto cat = catalog(c.options);
  struct Row {
    json::object o;
    double score;
    int rank;
    int64_t last_seen;
    std::string hostname;
  };
  std::vector<Row> rows;
  for (auto& d : c.store.devices()) {
    auto v = verdicts.find(d.device_id);
    const std::string level = v == verdicts.end() ? "unevaluated" : v->second.level;
    if (!verdict.empty() && level != verdict) continue;
    auto a = assignment_for(assignments, d);
    auto facts = c.facts.get(c.store, d);
    const std::string why = v == verdicts.end() ? "" : c.facts.why(v->second);
    std::vector<std::string> matches;
    if (searching) {
      auto fields = record_search_fields(d, a ? &*a : nullptr);
      fields.insert(fields.end(), facts.search.begin(), facts.search.end());
      if (!why.empty()) fields.push_back({"why", why});
      matches = match_fields(fields, q);
      if (matches.empty()) continue;
    }
    auto o = device_json(d);
    o["verdict"] = level;
    o["score"] = v == verdicts.end() ? json::value(nullptr) : json::value(v->second.score);
    o["score_text"] = v == verdicts.end() ? "" : detect::format_score(v->second.score);
    o["why"] = why;
    o["assignee"] = assignee_json(a);
    o["timezone"] = facts.zone;
    o["location_hint"] = location_hint(facts, d, *cat);
    if (searching) {
      json::array m;
      for (auto& x : matches) m.emplace_back(x);
      o["matches"] = std::move(m);
    }
    rows.push_back({std::move(o), v == verdicts.end() ? -1.0 : v->second.score, verdict_rank(level),
                    d.last_seen_unix_ms, d.hostname});
  }
  const bool asc = order == "asc";
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& x, const Row& y) {
    if (sort == "verdict" && x.rank != y.rank) return asc ? x.rank < y.rank : x.rank > y.rank;
    if ((sort == "score" || sort == "verdict") && x.score != y.score) return asc ? x.score < y.score : x.score > y.score;
    if (sort == "last_seen" && x.last_seen != y.last_seen) return asc ? x.last_seen < y.last_seen : x.last_seen > y.last_seen;
    return asc ? x.hostname < y.hostname : x.hostname > y.hostname;
  });
  if (format == "csv") {
    // The list as shown (same filter, search and order), cells guarded
    // against spreadsheet formulas by csv_cell.
    auto s = [](const json::object& o, const char* k) {
      auto* v = o.if_contains(k);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    std::string body = csv_line({"device_id", "hostname", "serial", "verdict", "score", "why", "assignee", "email",
                                 "last_seen_utc", "timezone", "location_hint", "agent_version"});
    for (auto& r : rows) {
      const auto* a = r.o.at("assignee").is_object() ? &r.o.at("assignee").as_object() : nullptr;
      body += csv_line({s(r.o, "device_id"), s(r.o, "hostname"), s(r.o, "serial"), s(r.o, "verdict"),
                        s(r.o, "score_text"), s(r.o, "why"), a ? s(*a, "employee") : "", a ? s(*a, "email") : "",
                        iso_time_ms(r.last_seen), s(r.o, "timezone"), s(r.o, "location_hint"), s(r.o, "agent_version")});
    }
    neutralize_bidi(body);
    HttpResponse out{200, "text/csv; charset=utf-8", std::move(body), {}};
    out.headers.emplace_back("Content-Disposition", "attachment; filename=\"telltale-devices.csv\"");
    return out;
  }
  json::array out;
  for (auto& r : rows) out.push_back(std::move(r.o));
  json::object answer{{"devices", std::move(out)}};
  answer["query"] = json::object{{"verdict", verdict}, {"q", q}, {"sort", sort}, {"order", order}};
  return reply(200, answer);
}

HttpResponse device_detail(Context& c, const DeviceRecord& d) {
  const std::string& id = d.device_id;
  json::object o{{"device", device_json(d)}};
  o["assignee"] = assignee_json(assignment_for(c.store.assignments(), d));
  if (auto snap = c.store.latest_snapshot(id)) o["snapshot"] = proto_value(*snap);
  json::array history;
  std::optional<telltale::v1::Verdict> latest;
  for (auto& v : c.store.verdict_history(id, 50)) {
    auto parsed = detect::verdict_from_json(v.json);
    if (history.empty()) latest = parsed;
    history.push_back(json::object{{"evaluated_unix_ms", v.evaluated_unix_ms}, {"level", v.level},
                                   {"score", v.score}, {"score_text", detect::format_score(v.score)},
                                   {"why", parsed ? detect::why(*parsed) : ""}, {"verdict", verdict_value(v.json)}});
  }
  o["verdicts"] = std::move(history);
  o["why"] = latest ? detect::why(*latest) : "";
  o["evidence_groups"] = latest ? evidence_groups_json(*latest) : json::array{};
  json::array events;
  for (auto& e : c.store.events(id, 500)) events.push_back(json::object{{"seq", e.seq}, {"event", proto_value(e.event)}});
  o["events"] = std::move(events);
  json::array reports;
  for (auto& r : c.store.reports(id, 500))
    reports.push_back(json::object{{"seq", r.seq}, {"received_unix_ms", r.received_unix_ms},
                                   {"created_unix_ms", r.created_unix_ms}, {"kind", r.kind}, {"bytes", r.bytes}});
  o["reports"] = std::move(reports);
  o["timeline"] = device_timeline(c.store, id, c.options);
  json::array cases;
  for (auto& k : c.db.cases({}, id))
    cases.push_back(json::object{{"id", k.id}, {"status", k.status}, {"owner", k.owner}, {"title", k.title}});
  // Cluster cases that cover this laptop as one of several.
  for (int64_t case_id : c.db.cases_covering(id))
    if (auto k = c.db.get_case(case_id); k && k->device_id != id)
      cases.push_back(json::object{{"id", k->id}, {"status", k->status}, {"owner", k->owner}, {"title", k->title}});
  o["cases"] = std::move(cases);
  // The clusters the laptop is in now, each naming its members: a cluster
  // indicator's own text was written when the verdict was evaluated ("2
  // laptops …") and goes stale as the cluster grows; this does not.
  json::array clusters;
  for (auto& cl : c.store.clusters()) {
    if (std::find(cl.members.begin(), cl.members.end(), id) == cl.members.end()) continue;
    json::array members;
    for (auto& m : cl.members) {
      auto md = c.store.device(m);
      members.push_back(json::object{{"device_id", m}, {"hostname", md ? md->hostname : ""}});
    }
    clusters.push_back(json::object{{"cluster_id", cl.cluster_id}, {"kind", cl.kind}, {"key", cl.key},
                                    {"count", cl.members.size()}, {"members", std::move(members)}});
  }
  o["clusters"] = std::move(clusters);
  c.audit("evidence.view", id);
  return reply(200, o);
}

HttpResponse rtt(Context& c, const DeviceRecord& d) {
  const int64_t days = int_param(c.query, "days", 7, 1, 366);
  json::array points;
  for (auto& p : c.store.rtt_history(d.device_id, now_ms() - days * 86400 * 1000, 5000))
    points.push_back(json::object{{"unix_ms", p.unix_ms}, {"samples", p.samples}, {"median_us", p.median_us},
                                  {"p95_us", p.p95_us}});
  return reply(200, json::object{{"device_id", d.device_id}, {"days", days}, {"points", std::move(points)}});
}

// The zone the person works in: the assignee's expected zone, else the zone
// the laptop reports, else UTC. A zone that does not load (typo in the CSV)
// falls through to the next and is named in zone_errors.
HttpResponse heatmap(Context& c, const DeviceRecord& d) {
  const int64_t days = int_param(c.query, "days", 28, 1, 366);
  const int64_t since = now_ms() - days * 86400 * 1000;
  auto snap = c.store.latest_snapshot(d.device_id);
  Heatmap map;
  std::optional<decode::TzFile> zone;
  json::array zone_errors;
  auto a = assignment_for(c.store.assignments(), d);
  for (auto [name, source] : {std::pair<std::string, const char*>{a ? a->timezone : "", "assignee"},
                              {snap ? snap->time().iana_zone() : "", "device"}}) {
    if (name.empty()) continue;
    std::string why;
    if ((zone = load_zone(c.options.zoneinfo_dir, name, &why))) {
      map.timezone = name;
      map.timezone_source = source;
      break;
    }
    zone_errors.emplace_back(why);
  }
  const decode::TzFile* tz = zone ? &*zone : nullptr;
  // Prefer the agent's own input activity (15-minute buckets with key or
  // pointer events: one count per active quarter hour); a snapshot only holds
  // the agent's recent window, so without it each report created while the
  // laptop ran counts once.
  std::string activity = "reports";
  std::set<int64_t> active;
  if (snap)
    for (auto& dev : snap->input_activity().devices())
      for (auto& b : dev.buckets())
        if (b.start_unix() * 1000 >= since && b.key_events() + b.pointer_events() > 0) active.insert(b.start_unix());
  if (!active.empty()) {
    activity = "input_activity";
    for (int64_t start : active) add_activity(map, tz, start * 1000);
  } else {
    for (auto& r : c.store.reports(d.device_id, 50000))
      if (r.created_unix_ms >= since) add_activity(map, tz, r.created_unix_ms);
  }
  json::array cells;
  for (auto& day : map.cells) {
    json::array hours;
    for (auto n : day) hours.emplace_back(n);
    cells.push_back(std::move(hours));
  }
  return reply(200, json::object{{"device_id", d.device_id},
                                 {"timezone", map.timezone},
                                 {"timezone_source", map.timezone_source},
                                 {"zone_errors", std::move(zone_errors)},
                                 {"activity_source", activity},
                                 {"days", days},
                                 {"weekdays", json::array{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}},
                                 {"cells", std::move(cells)},
                                 {"total", map.total}});
}

HttpResponse export_device(Context& c, const DeviceRecord& d) {
  const std::string format = c.query.count("format") ? c.query.at("format") : "json";
  if (format != "json" && format != "html") throw BadRequest("format=\"" + format + "\": expected json or html");
  const ExportMeta meta{c.who.username, now_ms(), catalog(c.options)->version(), &c.options};
  auto bundle = evidence_bundle(c.db, c.store, d, meta);
  c.audit("evidence.export", d.device_id, "format=" + format);
  HttpResponse out = format == "html"
                         ? HttpResponse{200, "text/html; charset=utf-8", bundle_html(bundle, "Evidence: " + d.hostname), {}}
                         : reply(200, bundle);
  if (format == "html") neutralize_bidi(out.body);
  name_export(out, "evidence", d.hostname.empty() ? d.device_id : d.hostname, meta.exported_unix_ms);
  return out;
}

// ?from=SEQ&to=SEQ[&all=1]: what changed between two reports, in words
// (changes) and field by field (fields). Defaults: the newest report and the
// one before it. Both states come from Store::snapshot_at.
HttpResponse diff(Context& c, const DeviceRecord& d) {
  // A malformed number is a 400 whatever the device holds.
  int_param(c.query, "from", 0, 0, INT64_MAX);
  int_param(c.query, "to", 0, 0, INT64_MAX);
  auto reports = c.store.reports(d.device_id, 100000);  // newest first
  if (reports.size() < 2 && !c.query.count("from") && !c.query.count("to")) {
    return reply(200, json::object{{"device_id", d.device_id}, {"from", nullptr}, {"to", nullptr},
                                   {"changes", json::array{}}, {"fields", json::array{}},
                                   {"note", "fewer than two reports: nothing to compare yet"}});
  }
  if (reports.empty()) return error(404, "device " + d.device_id + " has no reports to compare yet");
  const int64_t newest = static_cast<int64_t>(reports.front().seq);
  const int64_t to = int_param(c.query, "to", newest, 0, INT64_MAX);
  int64_t before_to = 0;
  for (auto& r : reports)
    if (static_cast<int64_t>(r.seq) < to) {
      before_to = static_cast<int64_t>(r.seq);
      break;
    }
  const int64_t from = int_param(c.query, "from", before_to, 0, INT64_MAX);
  const bool all = c.query.count("all") && c.query.at("all") == "1";
  auto find = [&](int64_t seq) -> const ReportSummary* {
    for (auto& r : reports)
      if (static_cast<int64_t>(r.seq) == seq) return &r;
    return nullptr;
  };
  const ReportSummary* a = find(from);
  const ReportSummary* b = find(to);
  if (!a || !b)
    return error(404, "device " + d.device_id + " has no report " + std::to_string(!a ? from : to) +
                          " (its reports run from " + std::to_string(reports.back().seq) + " to " +
                          std::to_string(newest) + ")");
  auto sa = c.store.snapshot_at(d.device_id, a->seq);
  auto sb = c.store.snapshot_at(d.device_id, b->seq);
  if (!sa || !sb)
    return error(404, "report " + std::to_string(!sa ? a->seq : b->seq) + " of " + d.device_id +
                          " has no full snapshot before it to rebuild from");
  json::array changes, fields;
  for (auto& ch : state_changes(*sa, *sb))
    changes.push_back(json::object{{"type", ch.type}, {"summary", ch.summary}});
  for (auto& f : snapshot_diff(*sa, *sb, all))
    fields.push_back(json::object{{"path", f.path}, {"change", f.change}, {"before", f.before}, {"after", f.after}});
  auto side = [](const ReportSummary& r) {
    return json::object{{"seq", r.seq}, {"created_unix_ms", r.created_unix_ms}, {"kind", r.kind}};
  };
  return reply(200, json::object{{"device_id", d.device_id}, {"from", side(*a)}, {"to", side(*b)}, {"all", all},
                                 {"changes", std::move(changes)}, {"fields", std::move(fields)}});
}

// ?device=ID|HOSTNAME|SERIAL → {device_id, hostname, serial}: what telltale-ctl
// asks before acting on a name. 404 when nothing matches, 409 with the
// candidates when a name fits several laptops.
HttpResponse resolve(Context& c) {
  if (!c.allowed(Role::kViewer)) return forbidden(Role::kViewer);
  auto it = c.query.find("device");
  if (it == c.query.end() || it->second.empty()) throw BadRequest("device: expected a device id, hostname or serial");
  auto r = resolve_device_ref(c.store.devices(), it->second);
  if (r.matches.empty()) return error(404, r.error);
  json::array candidates;
  for (auto& d : r.matches)
    candidates.push_back(json::object{{"device_id", d.device_id}, {"hostname", d.hostname}, {"serial", d.serial}});
  if (!r.resolved()) return reply(409, json::object{{"error", r.error}, {"candidates", std::move(candidates)}});
  auto& d = r.matches.front();
  return reply(200, json::object{{"device_id", d.device_id}, {"hostname", d.hostname}, {"serial", d.serial}});
}

}  // namespace

std::optional<HttpResponse> device_routes(Context& c) {
  if (c.path == "/api/v1/devices" && c.get()) return list_devices(c);
  if (c.path == "/api/v1/resolve" && c.get()) return resolve(c);
  const std::string prefix = "/api/v1/devices/";
  if (c.path.rfind(prefix, 0) != 0) return std::nullopt;
  std::string rest = c.path.substr(prefix.size());
  std::string action;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    action = rest.substr(slash + 1);
    rest.resize(slash);
  }
  const std::string& id = rest;
  if (id.empty()) return std::nullopt;
  if (action == "revoke" && c.post()) {
    if (!c.allowed(Role::kAdmin)) return forbidden(Role::kAdmin);
    if (!c.store.revoke_device(id)) return error(404, "no device " + id);
    c.audit("device.revoke", id);
    return reply(200, json::object{{"ok", true}});
  }
  if (!c.get() || (action != "" && action != "rtt" && action != "heatmap" && action != "export" && action != "diff"))
    return std::nullopt;
  if (!c.allowed(Role::kInvestigator)) return forbidden(Role::kInvestigator);
  auto d = c.store.device(id);
  if (!d) return error(404, "no device " + id);
  if (action.empty()) return device_detail(c, *d);
  if (action == "rtt") return rtt(c, *d);
  if (action == "heatmap") return heatmap(c, *d);
  if (action == "diff") return diff(c, *d);
  return export_device(c, *d);
}

}  // namespace telltale::server::console::internal
