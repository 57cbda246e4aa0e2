// /api/v1/overview and /api/v1/clusters: the fleet at a glance (viewer role).
#include <algorithm>

#include "server/console/console_internal.h"
#include "server/detect/why.h"

namespace telltale::server::console::internal {
namespace {

json::object cluster_json(const StoredCluster& c, bool detail) {
  json::array members;
  for (auto& m : c.members) members.emplace_back(m);
  json::object o{{"cluster_id", c.cluster_id}, {"kind", c.kind}, {"key", c.key}, {"members", std::move(members)}};
  if (detail) {
    o["first_seen_unix_ms"] = c.first_seen_unix_ms;
    o["last_seen_unix_ms"] = c.last_seen_unix_ms;
    o["detail"] = verdict_value(c.json);  // snake_case like the rest of the API
  }
  return o;
}

HttpResponse overview(Context& c) {
  // ?silent_hours= overrides ApiOptions::silent_after_ms for one look.
  const int64_t configured_hours = std::max<int64_t>(1, c.options.silent_after_ms / 3600000);
  const int64_t silent_ms = int_param(c.query, "silent_hours", configured_hours, 1, 24 * 366) * 3600000;
  const int64_t now = now_ms();
  const auto devices = c.store.devices();
  std::map<std::string, StoredVerdict> verdicts;
  for (auto& v : c.store.latest_verdicts()) verdicts[v.device_id] = v;
  json::object by_verdict{{"clean", 0}, {"review", 0}, {"suspicious", 0}, {"puppeteered", 0}, {"unevaluated", 0}};
  struct Finding {
    int64_t at;
    json::object o;
  };
  std::vector<Finding> findings;
  json::array silent;
  size_t total = 0;
  // A verdict an investigator already settled (case confirmed or closed as a
  // false positive after it was evaluated) is not new; a later verdict is.
  std::map<std::string, int64_t> settled;
  for (const char* status : {"confirmed", "false_positive"})
    for (auto& k : c.db.cases(status)) settled[k.device_id] = std::max(settled[k.device_id], k.updated_unix_ms);
  size_t settled_findings = 0;
  for (auto& d : devices) {
    if (d.revoked) continue;  // a revoked laptop no longer belongs to the fleet's picture
    ++total;
    auto v = verdicts.find(d.device_id);
    std::string level = v == verdicts.end() ? "unevaluated" : v->second.level;
    if (!by_verdict.contains(level)) level = "unevaluated";
    by_verdict[level] = by_verdict[level].as_int64() + 1;
    // A finding is a non-clean latest verdict evaluated in the last day.
    const bool recent = v != verdicts.end() && level != "clean" && level != "unevaluated" &&
                        v->second.evaluated_unix_ms >= now - 24LL * 3600 * 1000;
    const auto done = settled.find(d.device_id);
    if (recent && done != settled.end() && done->second >= v->second.evaluated_unix_ms) ++settled_findings;
    else if (recent)
      findings.push_back({v->second.evaluated_unix_ms,
                          json::object{{"device_id", d.device_id}, {"hostname", d.hostname}, {"level", level},
                                       {"score", v->second.score}, {"score_text", detect::format_score(v->second.score)},
                                       {"why", c.facts.why(v->second)},
                                       {"evaluated_unix_ms", v->second.evaluated_unix_ms}}});
    if (d.last_seen_unix_ms < now - silent_ms)
      silent.push_back(json::object{{"device_id", d.device_id}, {"hostname", d.hostname},
                                    {"last_seen_unix_ms", d.last_seen_unix_ms}});
  }
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) { return a.at > b.at; });
  json::array new_findings;
  for (auto& f : findings) new_findings.push_back(std::move(f.o));
  json::array clusters;
  for (auto& cl : c.store.clusters()) clusters.push_back(cluster_json(cl, false));
  return reply(200, json::object{{"devices_total", total},
                                 {"by_verdict", std::move(by_verdict)},
                                 {"new_findings_24h", std::move(new_findings)},
                                 {"settled_findings_24h", settled_findings},
                                 {"silent_after_hours", silent_ms / 3600000},
                                 {"silent_devices", std::move(silent)},
                                 {"clusters", std::move(clusters)}});
}

}  // namespace

std::optional<HttpResponse> overview_routes(Context& c) {
  if (!c.get() || (c.path != "/api/v1/overview" && c.path != "/api/v1/clusters")) return std::nullopt;
  if (!c.allowed(Role::kViewer)) return forbidden(Role::kViewer);
  if (c.path == "/api/v1/overview") return overview(c);
  json::array out;
  for (auto& cl : c.store.clusters()) out.push_back(cluster_json(cl, true));
  return reply(200, json::object{{"clusters", std::move(out)}});
}

}  // namespace telltale::server::console::internal
