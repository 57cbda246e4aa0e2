#include "server/console/alert_feed.h"

#include <algorithm>
#include <set>

#include "platform/common/log.h"
#include "server/detect/why.h"

namespace telltale::server::console {
namespace {

// How far back one scan reads a device's history: more changes than this
// between two scans (seconds apart) would be a verdict flapping on every
// report; the oldest of them are then covered by the newest alert's diff.
constexpr size_t kHistoryPerScan = 50;

std::set<std::string> indicator_ids(const std::optional<telltale::v1::Verdict>& v) {
  std::set<std::string> out;
  if (v)
    for (auto& i : v->indicators()) out.insert(i.id());
  return out;
}

std::string level_severity(const std::string& level) {
  if (level == "puppeteered") return "critical";
  if (level == "suspicious") return "high";
  if (level == "review") return "medium";
  return "info";
}

}  // namespace

size_t sync_alerts(AlertDb& alerts, Store& store, int64_t now_ms) {
  size_t raised = 0;
  std::map<std::string, std::string> hostnames;
  bool hostnames_loaded = false;
  for (const auto& latest : store.latest_verdicts()) {
    const int64_t seen = alerts.scanned(latest.device_id);
    if (latest.evaluated_unix_ms <= seen) continue;
    if (!hostnames_loaded) {
      for (auto& d : store.devices()) hostnames[d.device_id] = d.hostname;
      hostnames_loaded = true;
    }
    auto history = store.verdict_history(latest.device_id, kHistoryPerScan + 1);  // newest first
    std::sort(history.begin(), history.end(),
              [](const StoredVerdict& a, const StoredVerdict& b) { return a.evaluated_unix_ms < b.evaluated_unix_ms; });
    for (size_t i = 0; i < history.size(); ++i) {
      const auto& v = history[i];
      if (v.evaluated_unix_ms <= seen) continue;
      // The oldest row read has no predecessor in this read only when the
      // history is longer than the read: then it is not the first verdict.
      const bool has_previous = i > 0;
      if (!has_previous && history.size() > kHistoryPerScan) continue;
      const std::string previous_level = has_previous ? history[i - 1].level : "";
      if (v.level == "clean" && (previous_level.empty() || previous_level == "clean")) continue;
      auto now_v = detect::verdict_from_json(v.json);
      auto before_v = has_previous ? detect::verdict_from_json(history[i - 1].json) : std::nullopt;
      auto now_ids = indicator_ids(now_v), before_ids = indicator_ids(before_v);
      AlertRecord a;
      a.device_id = v.device_id;
      // A laptop that reported no hostname is named by its device id, never left blank.
      a.hostname = hostnames.count(v.device_id) && !hostnames[v.device_id].empty() ? hostnames[v.device_id] : v.device_id;
      a.raised_unix_ms = v.evaluated_unix_ms;
      a.level = v.level;
      a.previous_level = previous_level;
      a.score = v.score;
      a.why = now_v ? detect::why(*now_v) : "";
      int strongest = -1;
      if (now_v)
        for (auto& ind : now_v->indicators())
          if (!before_ids.count(ind.id())) {
            a.added.push_back(ind.id());
            strongest = std::max(strongest, detect::severity_rank(ind.severity()));
          }
      for (auto& id : before_ids)
        if (!now_ids.count(id)) a.removed.push_back(id);
      static const char* kSeverities[] = {"info", "low", "medium", "high", "critical"};
      a.severity = strongest >= 0 ? kSeverities[std::min(strongest, 4)] : level_severity(v.level);
      if (alerts.raise(a, now_ms)) {
        ++raised;
        spdlog::info("event=alert_raised alert={} device={} level={} previous={} severity={}", a.id, a.device_id,
                     a.level, a.previous_level.empty() ? "none" : a.previous_level, a.severity);
      }
    }
    alerts.set_scanned(latest.device_id, latest.evaluated_unix_ms);
  }
  return raised;
}

}  // namespace telltale::server::console
