// Behaviour that a copied USB identity or EDID cannot hide (issue 17): where
// the input comes from (built-in, USB, virtual), whether it arrives with the
// lid closed, whether keystrokes arrive in network clumps, whether an absolute
// pointer teleports, and in which local hours. The agent sends counts and
// histograms only (platform/decode/evdev_behaviour.cpp). Each indicator's
// title, severity and sources come from the catalog's [[behaviour]] entries.
//
// A docked laptop with an external keyboard and the lid shut shows the first
// two (and display.external_only); without a remote-delivery sign both weigh
// half, so the three stay below `review`. Clumped delivery and teleports are
// what a person at the desk does not produce; with them both count in full.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "server/detect/rules.h"
#include "server/detect/zones.h"

namespace telltale::detect {
namespace {

enum class Source { builtin, usb, virtual_device, other };

constexpr uint32_t kBusUsb = 0x03, kBusI8042 = 0x11, kBusI2c = 0x18, kBusHost = 0x19, kBusSpi = 0x1c;

bool builtin_bus(uint32_t bus) { return bus == kBusI8042 || bus == kBusI2c || bus == kBusHost || bus == kBusSpi; }

const char* source_name(Source s) {
  switch (s) {
    case Source::builtin: return "built-in";
    case Source::usb: return "USB";
    case Source::virtual_device: return "virtual";
    case Source::other: return "other (Bluetooth, serial)";
  }
  return "?";
}

// The device's bus and virtual flag, from the activity record or, for agents
// before bus was reported, from the input device listing the same event node.
Source source_of(const telltale::v1::DeviceActivity& d, const telltale::v1::Snapshot& snap) {
  bool is_virtual = d.virtual_device();
  uint32_t bus = d.bus();
  if (bus == 0)
    for (const auto& dev : snap.input_devices())
      if (std::find(dev.handlers().begin(), dev.handlers().end(), d.event_node()) != dev.handlers().end()) {
        bus = dev.bus();
        is_virtual = is_virtual || dev.virtual_device();
      }
  if (is_virtual) return Source::virtual_device;
  if (bus == kBusUsb) return Source::usb;
  if (builtin_bus(bus)) return Source::builtin;
  return Source::other;
}

bool is_laptop(const telltale::v1::Snapshot& snap) {
  if (snap.lid().present()) return true;
  return std::any_of(snap.displays().begin(), snap.displays().end(), [](const auto& d) { return d.internal(); });
}

// The laptop's own keyboard or touchpad is present (the rule compares input
// against devices that exist; a laptop whose keyboard is internal USB has none).
bool has_builtin_input(const telltale::v1::Snapshot& snap) {
  return std::any_of(snap.input_devices().begin(), snap.input_devices().end(), [](const auto& d) {
    return !d.virtual_device() && builtin_bus(d.bus()) && (d.keyboard() || d.touchpad());
  });
}

std::string label(const telltale::v1::DeviceActivity& d, Source s) {
  return (d.device().empty() ? std::string("unnamed device") : d.device()) + " (" + d.event_node() + ", " +
         source_name(s) + ")";
}

std::string pct(double share) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", share * 100);
  return buf;
}

std::string day_of(int64_t start_unix) {
  time_t t = static_cast<time_t>(start_unix);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

telltale::v1::Indicator* add(const RuleInput& in, Findings& out, std::string_view id, double confidence,
                             std::string_view category = "behaviour") {
  return add_catalog_behaviour(in, out, id, confidence, category);
}

// 1. Input provenance per UTC day, from the per-device 15-minute buckets.
void provenance(const RuleInput& in, Findings& out, bool remote_delivery) {
  if (!is_laptop(in.snap) || !has_builtin_input(in.snap)) return;
  std::map<std::string, std::map<Source, uint64_t>> per_day;
  std::map<Source, uint64_t> total;
  std::set<std::string> external_names;
  for (const auto& d : in.snap.input_activity().devices()) {
    const Source s = source_of(d, in.snap);
    for (const auto& b : d.buckets()) {
      const uint64_t n = b.key_events() + b.pointer_events();
      if (n == 0) continue;
      per_day[day_of(b.start_unix())][s] += n;
      total[s] += n;
      if (s == Source::usb || s == Source::virtual_device) external_names.insert(label(d, s));
    }
  }
  uint64_t all = 0;
  for (const auto& [s, n] : total) all += n;
  const uint64_t external = total[Source::usb] + total[Source::virtual_device];
  if (all == 0 || static_cast<double>(all) < in.config.provenance_min_events ||
      static_cast<double>(per_day.size()) < in.config.provenance_min_days)
    return;
  const double share = static_cast<double>(external) / static_cast<double>(all);
  if (share < in.config.provenance_external_share) return;
  // Every day alike is what a KVM gives; one day at a desk is less telling.
  size_t external_days = 0;
  for (const auto& [day, by] : per_day) {
    uint64_t n = 0;
    for (const auto& [s, c] : by) n += c;
    auto it_u = by.find(Source::usb);
    auto it_v = by.find(Source::virtual_device);
    uint64_t e = (it_u == by.end() ? 0 : it_u->second) + (it_v == by.end() ? 0 : it_v->second);
    if (static_cast<double>(e) >= in.config.provenance_external_share * static_cast<double>(n)) ++external_days;
  }
  const double days_share = static_cast<double>(external_days) / static_cast<double>(per_day.size());
  auto* ind = add(in, out, "behaviour.input_external_only", days_share * (remote_delivery ? 1.0 : 0.5));
  if (!ind) return;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s USB, %s virtual, %s built-in, %s other of %llu key and pointer events over %zu days",
                pct(static_cast<double>(total[Source::usb]) / all).c_str(),
                pct(static_cast<double>(total[Source::virtual_device]) / all).c_str(),
                pct(static_cast<double>(total[Source::builtin]) / all).c_str(),
                pct(static_cast<double>(total[Source::other]) / all).c_str(), static_cast<unsigned long long>(all),
                per_day.size());
  Findings::fact(*ind, "input sources", buf);
  size_t shown = 0;
  for (auto it = per_day.rbegin(); it != per_day.rend() && shown < 7; ++it, ++shown) {
    uint64_t n = 0;
    for (const auto& [s, c] : it->second) n += c;
    auto u = it->second.count(Source::usb) ? it->second.at(Source::usb) : 0;
    auto v = it->second.count(Source::virtual_device) ? it->second.at(Source::virtual_device) : 0;
    Findings::fact(*ind, "day " + it->first,
                   pct(static_cast<double>(u + v) / n) + " external of " + std::to_string(n) + " events");
  }
  for (const auto& name : external_names) Findings::fact(*ind, "external input", name);
  Findings::fact(*ind, "built-in input present", "yes (keyboard or touchpad on the i8042/I2C/SPI bus)");
  Findings::fact(*ind, "weight", remote_delivery ? "full: keystroke clumps or pointer teleports seen too"
                                                 : "half: nothing else says the input is delivered remotely");
}

// 4. Clumped key delivery per device.
bool delivery_bursts(const RuleInput& in, Findings& out) {
  bool fired = false;
  for (const auto& d : in.snap.input_activity().devices()) {
    if (static_cast<double>(d.key_intervals()) < in.config.burst_min_intervals || d.key_intervals() == 0) continue;
    const double share = static_cast<double>(d.burst_intervals()) / static_cast<double>(d.key_intervals());
    if (share < in.config.burst_share) continue;
    auto* ind = add(in, out, "behaviour.key_delivery_bursts", share / (2 * in.config.burst_share));
    if (!ind) return false;
    fired = true;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%s of %llu key-to-key intervals under 3 ms; %llu of those %llu right after a pause of 30 ms or more",
                  pct(share).c_str(), static_cast<unsigned long long>(d.key_intervals()),
                  static_cast<unsigned long long>(d.burst_after_gap()),
                  static_cast<unsigned long long>(d.burst_intervals()));
    Findings::fact(*ind, label(d, source_of(d, in.snap)), buf);
  }
  return fired;
}

// 5. Absolute pointer teleports per device (built-in touch devices excluded:
// their contacts are not moves, and they are not what a KVM presents).
bool teleports(const RuleInput& in, Findings& out) {
  bool fired = false;
  for (const auto& d : in.snap.input_activity().devices()) {
    const Source s = source_of(d, in.snap);
    if (s == Source::builtin || d.absolute_moves() == 0 ||
        static_cast<double>(d.absolute_moves()) < in.config.teleport_min_moves)
      continue;
    const double share = static_cast<double>(d.absolute_jumps()) / static_cast<double>(d.absolute_moves());
    if (share < in.config.teleport_share) continue;
    auto* ind = add(in, out, "behaviour.absolute_pointer_teleports", share / (3 * in.config.teleport_share));
    if (!ind) return false;
    fired = true;
    char buf[200];
    std::snprintf(buf, sizeof buf, "%s of %llu absolute pointer moves jumped a quarter of the range or more in one report",
                  pct(share).c_str(), static_cast<unsigned long long>(d.absolute_moves()));
    Findings::fact(*ind, label(d, s), buf);
  }
  return fired;
}

// 3. Key presses while the lid is closed, by source.
void lid_closed_typing(const RuleInput& in, Findings& out, bool remote_delivery) {
  const auto& lid = in.snap.lid();
  if (!lid.present() && lid.switch_changes() == 0) return;
  std::map<Source, uint64_t> keys, pointer;
  std::set<std::string> usb_names;
  for (const auto& d : in.snap.input_activity().devices()) {
    const Source s = source_of(d, in.snap);
    keys[s] += d.key_presses_lid_closed();
    pointer[s] += d.pointer_reports_lid_closed();
    if (s == Source::usb && d.key_presses_lid_closed() > 0) usb_names.insert(label(d, s));
  }
  uint64_t all_keys = 0;
  for (const auto& [s, n] : keys) all_keys += n;
  const uint64_t usb = keys[Source::usb];
  if (all_keys == 0 || static_cast<double>(usb) < in.config.lid_closed_min_keys) return;
  const double share = static_cast<double>(usb) / static_cast<double>(all_keys);
  if (share < in.config.lid_closed_usb_share) return;
  auto* ind = add(in, out, "behaviour.lid_closed_usb_typing", remote_delivery ? 1.0 : 0.5);
  if (!ind) return;
  char buf[200];
  std::snprintf(buf, sizeof buf, "%llu key presses and %llu pointer reports over USB with the lid closed (%s of key presses made while closed)",
                static_cast<unsigned long long>(usb), static_cast<unsigned long long>(pointer[Source::usb]),
                pct(share).c_str());
  Findings::fact(*ind, "lid closed", buf);
  if (lid.switch_changes() > 0) {
    std::snprintf(buf, sizeof buf, "%llu lid switch changes, closed for %.1f hours between them",
                  static_cast<unsigned long long>(lid.switch_changes()), lid.closed_seconds() / 3600.0);
    Findings::fact(*ind, "lid switch", buf);
  }
  for (const auto& n : usb_names) Findings::fact(*ind, "typed on", n);
  Findings::fact(*ind, "weight", remote_delivery ? "full: keystroke clumps or pointer teleports seen too"
                                                 : "half: nothing else says the input is delivered remotely");
}

// 2. Hour-of-day histogram against the assignee's zone, with the days it
// happened on from the 15-minute buckets.
void night_hours(const RuleInput& in, Findings& out) {
  const Assignment* a = in.ctx.assignment;
  if (!a) return;
  const ZoneInfo* z = in.catalog.find_zone(a->expected_timezone);
  if (!z) return;
  std::array<uint64_t, 24> by_hour{};
  for (const auto& d : in.snap.input_activity().devices())
    for (int h = 0; h < d.events_by_utc_hour_size() && h < 24; ++h) by_hour[h] += d.events_by_utc_hour(h);
  const int offset = zone_offset_seconds(*z, in.now_unix_ms);
  uint64_t total = 0, night = 0;
  auto is_night = [&](int64_t local_seconds_of_day) {
    const double hour = static_cast<double>(local_seconds_of_day) / 3600.0;
    return hour >= in.config.night_start_hour && hour < in.config.night_end_hour;
  };
  for (int h = 0; h < 24; ++h) {
    total += by_hour[h];
    // The hour's middle decides for zones a half hour off.
    if (is_night((((h * 3600 + 1800 + offset) % 86400) + 86400) % 86400)) night += by_hour[h];
  }
  if (total == 0 || static_cast<double>(total) < in.config.night_min_events) return;
  const double share = static_cast<double>(night) / static_cast<double>(total);
  if (share < in.config.night_hours_share) return;
  // Consistently: local days with more night input than day input.
  std::map<int64_t, uint64_t> buckets;
  for (const auto& b : in.ctx.activity_history) buckets[b.start_unix()] = b.key_events() + b.pointer_events();
  std::map<int64_t, uint64_t> current;
  for (const auto& d : in.snap.input_activity().devices())
    for (const auto& b : d.buckets()) current[b.start_unix()] += b.key_events() + b.pointer_events();
  for (const auto& [start, n] : current) buckets[start] = n;
  std::map<int64_t, std::pair<uint64_t, uint64_t>> per_local_day;  // night, all
  for (const auto& [start, n] : buckets) {
    const int64_t local = start + zone_offset_seconds(*z, start * 1000);
    const int64_t day = (local - ((local % 86400) + 86400) % 86400) / 86400;
    auto& [nn, all] = per_local_day[day];
    all += n;
    if (is_night(((local % 86400) + 86400) % 86400)) nn += n;
  }
  size_t night_days = 0;
  for (const auto& [day, v] : per_local_day)
    if (v.second > 0 && 2 * v.first > v.second) ++night_days;
  if (static_cast<double>(night_days) < in.config.night_hours_min_days) return;
  auto* ind = add(in, out, "behaviour.night_hours", share / 0.7, "context");
  if (!ind) return;
  char buf[200];
  std::snprintf(buf, sizeof buf, "%s of %llu input events between %02.0f:00 and %02.0f:00 %s; mostly at night on %zu of %zu days",
                pct(share).c_str(), static_cast<unsigned long long>(total), in.config.night_start_hour,
                in.config.night_end_hour, a->expected_timezone.c_str(), night_days, per_local_day.size());
  Findings::fact(*ind, "assignee " + a->employee, buf);
  // The busiest local hours, so an investigator sees the shape of the day.
  std::array<std::pair<uint64_t, int>, 24> ranked{};
  for (int h = 0; h < 24; ++h) ranked[h] = {by_hour[h], (((h * 3600 + offset) / 3600) % 24 + 24) % 24};
  std::sort(ranked.begin(), ranked.end(), std::greater<>());
  std::string busiest;
  for (int i = 0; i < 3 && ranked[i].first > 0; ++i)
    busiest += (busiest.empty() ? "" : ", ") + std::to_string(ranked[i].second) + ":00";
  Findings::fact(*ind, "busiest local hours", busiest);
}

}  // namespace

telltale::v1::Indicator* add_catalog_behaviour(const RuleInput& in, Findings& out, std::string_view id,
                                               double confidence, std::string_view category) {
  const BehaviourIndicator* b = in.catalog.find_behaviour(id);
  if (!b) return nullptr;  // a catalog without the entry turns the rule off
  auto& ind = out.add(b->id, b->title, b->severity, std::clamp(confidence, 0.0, 1.0), category);
  Findings::fact(ind, "also seen when", b->false_positive);
  return &ind;
}

void behaviour_rules(const RuleInput& in, Findings& out) {
  const bool bursts = delivery_bursts(in, out);
  const bool jumps = teleports(in, out);
  provenance(in, out, bursts || jumps);
  lid_closed_typing(in, out, bursts || jumps);
  night_hours(in, out);
}

}  // namespace telltale::detect
