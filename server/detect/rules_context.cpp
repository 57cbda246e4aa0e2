// Rules that compare the laptop with its assignment: the clock's zone, the
// keyboard languages, the hours it is used in the assignee's local time, and
// how far away the network says it is. Circumstantial on their own (people
// travel and are multilingual), so the engine caps their sum.
#include <algorithm>
#include <cmath>
#include <set>

#include "server/detect/rules.h"
#include "server/detect/zones.h"

namespace telltale::detect {
namespace {

std::string hours(int seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "UTC%+.1f", seconds / 3600.0);
  return buf;
}

// Buckets from history and the current snapshot, summed per 15-minute start.
std::map<int64_t, uint64_t> activity(const RuleInput& in) {
  std::map<int64_t, uint64_t> out;
  for (const auto& b : in.ctx.activity_history) out[b.start_unix()] += b.key_events() + b.pointer_events();
  for (const auto& d : in.snap.input_activity().devices())
    for (const auto& b : d.buckets()) out[b.start_unix()] += b.key_events() + b.pointer_events();
  return out;
}

void timezone_mismatch(const RuleInput& in, const Assignment& a, Findings& out) {
  const auto& t = in.snap.time();
  if (a.expected_timezone.empty() || t.iana_zone().empty() || t.iana_zone() == a.expected_timezone) return;
  auto expected = zone_offset_seconds(in.catalog, a.expected_timezone, in.now_unix_ms);
  if (!expected) return;  // cannot tell an alias from a different zone without its offset
  int actual = zone_offset_seconds(in.catalog, t.iana_zone(), in.now_unix_ms).value_or(t.utc_offset_seconds());
  if (std::abs(actual - *expected) < in.config.timezone_mismatch_hours * 3600) return;
  const ZoneInfo* z = in.catalog.find_zone(t.iana_zone());
  bool of_interest = z && z->of_interest;
  auto& ind = out.add("context.timezone_mismatch", "Laptop clock in a different timezone from the assignee's",
                      of_interest ? "high" : "medium", 0.8, "context");
  Findings::fact(ind, "laptop", t.iana_zone() + " (" + hours(actual) + ")");
  Findings::fact(ind, "assignee " + a.employee, a.expected_timezone + " (" + hours(*expected) + ")");
}

void layouts_for_region(const RuleInput& in, const Assignment& a, Findings& out) {
  const Region* r = in.catalog.find_region(a.expected_region);
  if (!r) return;
  auto ok = [&](const std::string& lang) {
    return lang.empty() || std::find(r->languages.begin(), r->languages.end(), lang) != r->languages.end();
  };
  std::vector<std::pair<std::string, std::string>> odd;
  for (const auto& l : in.snap.keyboard().system_layouts())
    if (!ok(l.language())) odd.emplace_back("layout " + l.layout(), l.language());
  for (const auto& u : in.snap.keyboard().users())
    for (const auto& im : u.input_methods())
      if (!ok(im.language())) odd.emplace_back(im.framework() + " " + im.name() + " (user " + u.user() + ")", im.language());
  if (odd.empty()) return;
  auto& ind = out.add("context.layout_unexpected_for_region",
                      "Keyboard languages unusual for the assignee's region (" + r->title + ")", "low", 0.8, "context");
  for (auto& [k, v] : odd) Findings::fact(ind, k, "language " + v);
}

void night_activity(const RuleInput& in, const Assignment& a, const std::map<int64_t, uint64_t>& buckets,
                    Findings& out) {
  const ZoneInfo* z = in.catalog.find_zone(a.expected_timezone);
  if (!z) return;
  uint64_t total = 0, night = 0;
  for (const auto& [start, events] : buckets) {
    int64_t local = start + zone_offset_seconds(*z, start * 1000);
    double hour = static_cast<double>(((local % 86400) + 86400) % 86400) / 3600.0;
    total += events;
    if (hour >= in.config.night_start_hour && hour < in.config.night_end_hour) night += events;
  }
  if (total < in.config.night_min_events) return;
  double share = static_cast<double>(night) / static_cast<double>(total);
  if (share < in.config.night_share) return;
  auto& ind = out.add("context.night_activity", "Laptop used during the assignee's local night", "medium",
                      std::min(1.0, share / 0.6), "context");
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.0f%% of %llu input events between %02.0f:00 and %02.0f:00 %s", share * 100,
                static_cast<unsigned long long>(total), in.config.night_start_hour, in.config.night_end_hour,
                a.expected_timezone.c_str());
  Findings::fact(ind, "assignee " + a.employee, buf);
}

void always_active(const RuleInput& in, const std::map<int64_t, uint64_t>& buckets, Findings& out) {
  if (buckets.empty()) return;
  int64_t first = buckets.begin()->first, last = buckets.rbegin()->first + 900;
  double span_hours = static_cast<double>(last - first) / 3600.0;
  if (span_hours < in.config.always_active_min_span_hours) return;
  std::set<int64_t> active_hours;
  for (const auto& [start, events] : buckets)
    if (events > 0) active_hours.insert(start / 3600);
  double slots = std::ceil(span_hours);
  double share = static_cast<double>(active_hours.size()) / slots;
  if (share < in.config.always_active_share) return;
  auto& ind = out.add("context.always_active", "Input activity around the clock (a jiggler or a shift rota)", "medium",
                      0.8, "context");
  char buf[96];
  std::snprintf(buf, sizeof buf, "input in %zu of %.0f hours", active_hours.size(), slots);
  Findings::fact(ind, "activity", buf);
  if (!in.ctx.recent_snapshot_unix_ms.empty())
    Findings::fact(ind, "reports", std::to_string(in.ctx.recent_snapshot_unix_ms.size()) + " recent snapshots");
}

void collector_rtt(const RuleInput& in, const Assignment& a, Findings& out) {
  const Region* r = in.catalog.find_region(a.expected_region);
  const auto& rtt = in.snap.latency().collector();
  if (!r || rtt.samples() == 0) return;
  // The minimum is the path's floor: congestion only ever adds to it.
  double min_ms = rtt.min_us() / 1000.0, limit = r->max_collector_rtt_ms;
  if (min_ms <= limit) return;
  bool far = min_ms >= 2 * limit;
  auto& ind = out.add("context.collector_rtt_implausible", "Round trip to the collector too long for the assignee's region",
                      far ? "high" : "medium", std::min(1.0, 0.5 + (min_ms - limit) / limit), "context");
  char buf[128];
  std::snprintf(buf, sizeof buf, "min %.0f ms, median %.0f ms over %u samples; %s at most %u ms", min_ms,
                rtt.median_us() / 1000.0, rtt.samples(), r->code.c_str(), r->max_collector_rtt_ms);
  Findings::fact(ind, "latency.collector", buf);
}

}  // namespace

void context_rules(const RuleInput& in, Findings& out) {
  auto buckets = activity(in);
  always_active(in, buckets, out);
  const Assignment* a = in.ctx.assignment;
  if (!a) return;
  timezone_mismatch(in, *a, out);
  layouts_for_region(in, *a, out);
  night_activity(in, *a, buckets, out);
  collector_rtt(in, *a, out);
}

}  // namespace telltale::detect
