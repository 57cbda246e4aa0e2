// The device timeline: changes, not reports. Consecutive stored states
// (Store::snapshot_at) are compared, so "PiKVM plugged into 1-3" and
// "Chicago → Seoul" stand out instead of one "Full snapshot" row per report.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "server/console/console_internal.h"
#include "server/console/heatmap.h"
#include "server/console/snapshot_changes.h"
#include "server/detect/why.h"

namespace telltale::server::console::internal {
namespace {

std::string hex4(uint32_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", v & 0xffff);
  return buf;
}

struct Described {
  std::string type, summary, key;
};

// One line for an event the agent reported as it happened.
Described describe(const telltale::v1::Event& e) {
  switch (e.kind_case()) {
    case telltale::v1::Event::kUsb: {
      auto& u = e.usb();
      return {u.added() ? "usb.plugged" : "usb.unplugged",
              std::string(u.added() ? "USB plugged into " : "USB unplugged from ") + u.port_path() + ": " +
                  hex4(u.vendor_id()) + ":" + hex4(u.product_id()) + (u.product().empty() ? "" : " " + u.product()),
              u.port_path()};
    }
    case telltale::v1::Event::kDisplay: {
      auto& d = e.display();
      return {"display.changed",
              "Display " + d.connector() + " " + d.status() + (d.monitor_name().empty() ? "" : " (" + d.monitor_name() + ")"),
              d.connector()};
    }
    case telltale::v1::Event::kTimezone: {
      auto& t = e.timezone();
      return {"timezone.changed", "Time zone " + (t.from_zone().empty() ? "?" : t.from_zone()) + " → " +
                                      (t.to_zone().empty() ? "?" : t.to_zone()),
              "time"};
    }
    case telltale::v1::Event::kSpoolGap: {
      auto& g = e.spool_gap();
      return {"spool.gap", std::to_string(g.dropped_reports()) + " reports dropped on the laptop (seq " +
                               std::to_string(g.first_seq()) + "-" + std::to_string(g.last_seq()) + "): " + g.reason(),
              ""};
    }
    case telltale::v1::Event::kClockJump:
      return {"clock.jump", "Wall clock jumped by " + std::to_string(e.clock_jump().delta_ms()) + " ms", ""};
    case telltale::v1::Event::KIND_NOT_SET:
      break;
  }
  return {"unknown", "event of an unknown kind", ""};
}

std::string hours(int64_t ms) {
  char buf[32];
  if (ms >= 48LL * 3600 * 1000) std::snprintf(buf, sizeof buf, "%.1f days", ms / 86400000.0);
  else std::snprintf(buf, sizeof buf, "%.1f h", ms / 3600000.0);
  return buf;
}

// "2026-12-02 11:30:05 KST": the instant in the zone the laptop reported then.
class ZoneClock {
 public:
  explicit ZoneClock(std::filesystem::path root) : root_(std::move(root)) {}
  std::string utc(int64_t unix_ms) const { return format(unix_ms, 0, "UTC"); }
  std::string local(int64_t unix_ms, const std::string& zone) {
    if (zone.empty()) return "";
    auto it = zones_.find(zone);
    if (it == zones_.end()) {
      std::string why;
      it = zones_.emplace(zone, load_zone(root_, zone, &why)).first;
    }
    if (!it->second) return "";
    auto t = decode::local_time_at(*it->second, unix_ms / 1000);
    if (!t) return "";
    return format(unix_ms, t->utc_offset, t->abbreviation.empty() ? zone : t->abbreviation);
  }

 private:
  static std::string format(int64_t unix_ms, int32_t offset, const std::string& label) {
    time_t s = static_cast<time_t>(unix_ms / 1000 + offset);
    struct tm tm {};
    gmtime_r(&s, &tm);
    char buf[48];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return std::string(buf) + " " + label;
  }
  std::filesystem::path root_;
  std::map<std::string, std::optional<decode::TzFile>> zones_;
};

std::string ids(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

json::array device_timeline(Store& store, const std::string& device_id, const ApiOptions& options, size_t limit) {
  struct Row {
    int64_t unix_ms;
    std::string zone;
    json::object o;
  };
  std::vector<Row> rows;
  auto add = [&](int64_t at, const std::string& zone, const char* kind, const std::string& type,
                 const std::string& summary, uint64_t seq) {
    rows.push_back({at, zone, json::object{{"unix_ms", at}, {"kind", kind}, {"type", type}, {"summary", summary},
                                           {"seq", seq}}});
  };

  auto reports = store.reports(device_id, limit);
  std::reverse(reports.begin(), reports.end());  // oldest first
  auto events = store.events(device_id, limit * 4);
  // Agent events are exact to the second; a change seen between two reports
  // that the agent also announced is shown once, as the agent's event.
  std::set<std::pair<std::string, std::string>> announced;
  std::optional<telltale::v1::Snapshot> prev;
  int64_t prev_at = 0;
  std::string zone;
  for (size_t i = 0; i < reports.size(); ++i) {
    const auto& r = reports[i];
    auto state = store.snapshot_at(device_id, r.seq);
    if (!state) continue;
    const std::string now_zone = state->time().iana_zone();
    if (prev_at && r.created_unix_ms - prev_at > options.silent_after_ms)
      add(prev_at, zone, "silence", "silence",
          "No report for " + hours(r.created_unix_ms - prev_at) + " (until the report of seq " + std::to_string(r.seq) + ")",
          r.seq);
    if (!prev) {
      if (r.seq <= 1 || i == 0)
        add(r.created_unix_ms, now_zone, "report", "first_report",
            r.seq <= 1 ? "First report from this laptop" : "Oldest report shown (seq " + std::to_string(r.seq) + ")",
            r.seq);
    } else {
      announced.clear();
      for (auto& e : events)
        if (e.event.at_unix_ms() > prev_at && e.event.at_unix_ms() <= r.created_unix_ms) {
          auto d = describe(e.event);
          announced.insert({d.type, d.key});
        }
      for (auto& ch : state_changes(*prev, *state))
        if (!announced.count({ch.type, ch.key})) add(r.created_unix_ms, now_zone, "change", ch.type, ch.summary, r.seq);
    }
    prev = std::move(state);
    prev_at = r.created_unix_ms;
    zone = now_zone;
  }
  const int64_t oldest = reports.empty() ? 0 : reports.front().created_unix_ms;
  for (auto& e : events) {
    if (e.event.at_unix_ms() < oldest) continue;
    auto d = describe(e.event);
    add(e.event.at_unix_ms(), zone, "event", d.type, d.summary, e.seq);
  }
  // Verdict changes: the level or the set of indicators moved.
  auto history = store.verdict_history(device_id, limit);
  std::reverse(history.begin(), history.end());
  std::optional<telltale::v1::Verdict> last;
  std::string last_level;
  double last_score = 0;
  for (auto& v : history) {
    auto parsed = detect::verdict_from_json(v.json);
    std::set<std::string> now_ids, was_ids;
    if (parsed)
      for (auto& ind : parsed->indicators()) now_ids.insert(ind.id());
    if (last)
      for (auto& ind : last->indicators()) was_ids.insert(ind.id());
    std::vector<std::string> added, removed;
    for (auto& x : now_ids)
      if (!was_ids.count(x)) added.push_back(x);
    for (auto& x : was_ids)
      if (!now_ids.count(x)) removed.push_back(x);
    const bool first = last_level.empty();
    if (first || v.level != last_level || !added.empty() || !removed.empty()) {
      std::string s = first ? "First verdict: " + v.level + " (score " + detect::format_score(v.score) + ")"
                            : "Verdict " + last_level + " → " + v.level + " (score " + detect::format_score(last_score) +
                                  " → " + detect::format_score(v.score) + ")";
      if (!added.empty()) s += "; added " + ids(added);
      if (!removed.empty()) s += "; removed " + ids(removed);
      if (parsed && v.level != "clean") s += ". Why: " + detect::why(*parsed);
      add(v.evaluated_unix_ms, zone, "verdict", "verdict.changed", s, 0);
      json::array a, r;
      for (auto& x : added) a.emplace_back(x);
      for (auto& x : removed) r.emplace_back(x);
      rows.back().o["indicators_added"] = std::move(a);
      rows.back().o["indicators_removed"] = std::move(r);
      rows.back().o["level"] = v.level;
    }
    last = parsed;
    last_level = v.level;
    last_score = v.score;
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.unix_ms > b.unix_ms; });
  ZoneClock clock(options.zoneinfo_dir);
  json::array out;
  for (auto& r : rows) {
    r.o["time_utc"] = clock.utc(r.unix_ms);
    r.o["zone"] = r.zone;
    r.o["local_time"] = clock.local(r.unix_ms, r.zone);
    out.push_back(std::move(r.o));
  }
  return out;
}

}  // namespace telltale::server::console::internal
