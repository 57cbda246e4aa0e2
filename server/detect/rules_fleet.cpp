// Rules only the collector can apply: laptops of different assignees behind
// one network, one monitor or KVM serial on several laptops, laptops that go
// silent and come back together. Built for 100k devices: hash maps keyed by
// the shared value, no pairwise comparison of devices except inside small
// silence groups.
#include <algorithm>
#include <array>
#include <ctime>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "platform/common/hash.h"
#include "server/detect/rules.h"

namespace telltale::detect {
namespace {

using telltale::v1::Cluster;

std::string who(const FleetDevice& d) { return d.assignee.empty() ? "device:" + d.device_id : d.assignee; }

void add_fact(Cluster& c, std::string key, std::string value) {
  auto* f = c.add_evidence();
  f->set_key(std::move(key));
  f->set_value(std::move(value));
}

struct Span {
  int64_t first = 0, last = 0;
};

// How long a device has been on `key` (of one kind of network key).
Span network_span(const FleetDevice& d, const std::string FleetDevice::*current,
                  const std::string NetworkSighting::*past, const std::string& key) {
  Span s{INT64_MAX, INT64_MIN};
  for (const auto& n : d.network_history)
    if (n.*past == key) s.first = std::min(s.first, n.unix_ms), s.last = std::max(s.last, n.unix_ms);
  if (d.*current == key && !d.seen_unix_ms.empty()) {
    s.last = std::max(s.last, d.seen_unix_ms.back());
    if (d.network_history.empty()) s.first = std::min(s.first, d.seen_unix_ms.front());
    else s.first = std::min(s.first, s.last);
  }
  if (s.first > s.last) return {0, 0};
  return s;
}

void shared_network(const std::vector<FleetDevice>& fleet, const DetectConfig& cfg, const char* kind,
                    const std::string FleetDevice::*current, const std::string NetworkSighting::*past,
                    std::vector<Cluster>& out) {
  std::unordered_map<std::string, std::vector<uint32_t>> by_key;
  by_key.reserve(fleet.size());
  for (uint32_t i = 0; i < fleet.size(); ++i) {
    const std::string& k = fleet[i].*current;
    if (k.empty() || k == "00:00:00:00:00:00") continue;
    by_key[k].push_back(i);
  }
  std::set<std::string> ignored(cfg.known_shared_networks.begin(), cfg.known_shared_networks.end());
  const int64_t min_span_ms = static_cast<int64_t>(cfg.shared_network_min_span_hours * 3600e3);
  for (auto& [key, members] : by_key) {
    if (members.size() < cfg.shared_network_min_assignees || ignored.count(key)) continue;
    Cluster c;
    std::set<std::string> assignees, regions;
    int64_t first = INT64_MAX, last = INT64_MIN;
    std::vector<std::string> ids;
    for (uint32_t i : members) {
      Span s = network_span(fleet[i], current, past, key);
      // A few nights in a hotel or at an offsite is not a farm.
      if (s.last - s.first < min_span_ms) continue;
      ids.push_back(fleet[i].device_id);
      assignees.insert(who(fleet[i]));
      if (!fleet[i].expected_region.empty()) regions.insert(fleet[i].expected_region);
      first = std::min(first, s.first);
      last = std::max(last, s.last);
    }
    if (assignees.size() < cfg.shared_network_min_assignees) continue;
    std::sort(ids.begin(), ids.end());
    c.set_id(std::string(kind) + ":" + key);
    c.set_kind(kind);
    c.set_key(key);
    for (auto& id : ids) c.add_members(id);
    add_fact(c, "devices", std::to_string(ids.size()) + " laptops of " + std::to_string(assignees.size()) + " assignees");
    if (!regions.empty()) {
      std::string list;
      for (auto& r : regions) list += (list.empty() ? "" : ", ") + r;
      add_fact(c, "expected regions", list);
    }
    c.set_first_seen_unix_ms(first);
    c.set_last_seen_unix_ms(last);
    out.push_back(std::move(c));
  }
}

std::string iso_time(int64_t ms) { return utc_time(ms, "%Y-%m-%dT%H:%MZ"); }

std::string short_fp(const std::string& fp) { return fp.empty() ? "unknown" : fp.substr(0, 12); }

// One device showing one serial now, with the hardware fingerprint behind it
// and the device's own history of that pair.
struct Claim {
  uint32_t device = 0;
  std::string fingerprint;
  const HardwareSighting* sighting = nullptr;  // nullptr: never seen before this snapshot
  bool firm = false;                           // seen often and long enough
};

// Shared monitor or KVM serials. One device must not be able to raise
// another's verdict by typing its serial into a forged EDID or USB
// descriptor, so a serial clusters devices only when
//   - they show the identical hardware behind it (same raw-EDID or USB
//     descriptor fingerprint, not only the same string), and
//   - each of them has shown it for a while (shared_serial_min_reports
//     snapshots over shared_serial_min_span_hours): one report proves nothing.
// The reverse case is itself a finding: a device whose hardware claims a
// serial that another assignee's device has shown first, with different
// hardware behind it, copied the serial (kind "borrowed_*", the claimant its
// only member). Serials seen with many fingerprints are manufacturer
// placeholders and are skipped for both.
void shared_serial(const std::vector<FleetDevice>& fleet, const DetectConfig& cfg, const char* kind,
                   const char* borrowed_kind, const char* hardware,
                   const std::vector<std::string> FleetDevice::*serials,
                   const std::vector<std::string> FleetDevice::*fingerprints, std::vector<Cluster>& out) {
  const int64_t min_span_ms = static_cast<int64_t>(cfg.shared_serial_min_span_hours * 3600e3);
  std::unordered_map<std::string, std::vector<Claim>> by_key;
  for (uint32_t i = 0; i < fleet.size(); ++i) {
    const auto& keys = fleet[i].*serials;
    const auto& fps = fleet[i].*fingerprints;
    for (size_t j = 0; j < keys.size(); ++j) {
      if (keys[j].empty()) continue;
      Claim c;
      c.device = i;
      c.fingerprint = j < fps.size() ? fps[j] : std::string();
      for (const auto& s : fleet[i].sightings)
        if (s.key == keys[j] && s.fingerprint == c.fingerprint) c.sighting = &s;
      c.firm = c.sighting && !c.fingerprint.empty() && c.sighting->reports >= cfg.shared_serial_min_reports &&
               c.sighting->last_unix_ms - c.sighting->first_unix_ms >= min_span_ms;
      by_key[keys[j]].push_back(std::move(c));
    }
  }
  for (auto& [key, claims] : by_key) {
    if (claims.size() < 2) continue;
    std::set<std::string> fps;
    for (const auto& c : claims)
      if (!c.fingerprint.empty()) fps.insert(c.fingerprint);
    if (fps.size() >= cfg.shared_serial_placeholder_fingerprints) continue;

    // Clusters: corroborated members that show the identical hardware.
    std::map<std::string, std::vector<const Claim*>> same_hardware;
    for (const auto& c : claims)
      if (c.firm) same_hardware[c.fingerprint].push_back(&c);
    std::vector<std::pair<std::string, std::vector<const Claim*>>> qualifying;
    for (auto& [fp, members] : same_hardware) {
      std::set<std::string> assignees;
      for (const auto* c : members) assignees.insert(who(fleet[c->device]));
      if (members.size() >= cfg.shared_serial_min_devices && assignees.size() >= 2)
        qualifying.emplace_back(fp, members);  // one person's two laptops on their own monitor do not count
    }
    for (const auto& [fp, members] : qualifying) {
      std::set<std::string> assignees;
      std::vector<std::string> ids;
      int64_t first = INT64_MAX, last = INT64_MIN;
      uint32_t fewest_reports = UINT32_MAX;
      for (const auto* c : members) {
        assignees.insert(who(fleet[c->device]));
        ids.push_back(fleet[c->device].device_id);
        first = std::min(first, c->sighting->first_unix_ms);
        last = std::max(last, c->sighting->last_unix_ms);
        fewest_reports = std::min(fewest_reports, c->sighting->reports);
      }
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      Cluster c;
      c.set_id(std::string(kind) + ":" + key + (qualifying.size() > 1 ? "#" + short_fp(fp) : std::string()));
      c.set_kind(kind);
      c.set_key(key);
      for (auto& id : ids) c.add_members(id);
      add_fact(c, "devices", std::to_string(ids.size()) + " laptops of " + std::to_string(assignees.size()) +
                                 " assignees show serial " + key);
      add_fact(c, "same hardware", std::string("identical ") + hardware + " on every member (sha256 " + short_fp(fp) + ")");
      add_fact(c, "corroborated", "each member showed it in at least " + std::to_string(fewest_reports) +
                                      " snapshots since " + iso_time(first));
      c.set_first_seen_unix_ms(first);
      c.set_last_seen_unix_ms(last);
      out.push_back(std::move(c));
    }

    // Borrowed serials: the first corroborated holder owns the serial; a
    // later claimant with other hardware behind it copied the string.
    const Claim* holder = nullptr;
    for (const auto& c : claims)
      if (c.firm && (!holder || c.sighting->first_unix_ms < holder->sighting->first_unix_ms)) holder = &c;
    if (!holder) continue;
    for (const auto& c : claims) {
      if (&c == holder || c.fingerprint == holder->fingerprint || c.fingerprint.empty()) continue;
      if (who(fleet[c.device]) == who(fleet[holder->device])) continue;
      const int64_t since = c.sighting ? c.sighting->first_unix_ms : 0;
      if (c.sighting && since <= holder->sighting->first_unix_ms) continue;
      const auto& claimant = fleet[c.device];
      Cluster b;
      b.set_id(std::string(borrowed_kind) + ":" + key + ":" + claimant.device_id);
      b.set_kind(borrowed_kind);
      b.set_key(key);
      b.add_members(claimant.device_id);
      add_fact(b, "claims", "serial " + key + " with " + hardware + " sha256 " + short_fp(c.fingerprint) +
                                (c.sighting ? ", first seen " + iso_time(since) + " in " +
                                                  std::to_string(c.sighting->reports) + " snapshots"
                                            : ", first seen in its latest snapshot"));
      add_fact(b, "held by", fleet[holder->device].device_id + " showed " + key + " with " + hardware + " sha256 " +
                                 short_fp(holder->fingerprint) + " since " +
                                 iso_time(holder->sighting->first_unix_ms) + " in " +
                                 std::to_string(holder->sighting->reports) + " snapshots");
      add_fact(b, "reading", std::string("the serial string was copied onto other hardware (a forged ") + hardware +
                                 "); the holder's verdict is not raised by it");
      b.set_first_seen_unix_ms(c.sighting ? since : holder->sighting->last_unix_ms);
      b.set_last_seen_unix_ms(c.sighting ? c.sighting->last_unix_ms : holder->sighting->last_unix_ms);
      out.push_back(std::move(b));
    }
  }
}

// A farm usually shares its gateway, public IP and access point at once: one
// cluster per set of devices, the other shared keys as its evidence.
void merge_same_members(std::vector<Cluster>& clusters) {
  std::map<std::vector<std::string>, size_t> seen;
  std::vector<Cluster> kept;
  for (auto& c : clusters) {
    std::vector<std::string> members(c.members().begin(), c.members().end());
    auto it = seen.find(members);
    if (it == seen.end()) {
      seen.emplace(std::move(members), kept.size());
      kept.push_back(std::move(c));
      continue;
    }
    Cluster& k = kept[it->second];
    add_fact(k, "also shared " + c.kind().substr(std::string("shared_").size()), c.key());
    k.set_first_seen_unix_ms(std::min(k.first_seen_unix_ms(), c.first_seen_unix_ms()));
    k.set_last_seen_unix_ms(std::max(k.last_seen_unix_ms(), c.last_seen_unix_ms()));
  }
  clusters = std::move(kept);
}

struct UnionFind {
  std::vector<uint32_t> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0u); }
  uint32_t find(uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(uint32_t a, uint32_t b) { parent[find(a)] = find(b); }
};

// Hours of the day (UTC) in which the device usually reports: seen on at
// least half of the days its history covers.
std::array<bool, 24> usual_hours(const std::vector<int64_t>& seen) {
  std::array<bool, 24> usual{};
  if (seen.empty()) return usual;
  constexpr int64_t kDayMs = 86400000, kHourMs = 3600000;
  std::array<int, 24> days{};
  std::array<int64_t, 24> last_day;
  last_day.fill(-1);
  for (int64_t t : seen) {
    int64_t day = t / kDayMs;
    int h = static_cast<int>((t % kDayMs) / kHourMs);
    if (last_day[h] != day) ++days[h], last_day[h] = day;
  }
  int64_t covered = seen.back() / kDayMs - seen.front() / kDayMs + 1;
  for (int h = 0; h < 24; ++h) usual[h] = 2 * days[h] >= covered;
  return usual;
}

// Gaps in reporting that start in the same slot and end in the same slot on
// several devices are one "silence event". Only unusual gaps count: the
// device normally reports in the hour after the gap began and in the hour
// before it ended, so a lid closed every evening is not a silence. Devices
// that share at least silence_min_events events form a cluster. Events with
// very many devices (a provider outage, a holiday) are skipped.
void silent_together(const std::vector<FleetDevice>& fleet, const DetectConfig& cfg, std::vector<Cluster>& out) {
  const int64_t gap_ms = static_cast<int64_t>(cfg.silence_gap_minutes * 60e3);
  const int64_t slot_ms = std::max<int64_t>(1, static_cast<int64_t>(cfg.silence_slot_minutes * 60e3));
  constexpr int64_t kDayMs = 86400000, kHourMs = 3600000, kHalfHour = 1800000;
  constexpr size_t kMaxEvent = 200;
  struct PairHash {
    size_t operator()(const std::pair<int64_t, int64_t>& p) const {
      return std::hash<int64_t>()(p.first * 1000003 ^ p.second);
    }
  };
  std::unordered_map<std::pair<int64_t, int64_t>, std::vector<uint32_t>, PairHash> events;
  for (uint32_t i = 0; i < fleet.size(); ++i) {
    const auto& seen = fleet[i].seen_unix_ms;
    std::array<bool, 24> usual{};
    bool computed = false;
    for (size_t k = 1; k < seen.size(); ++k) {
      if (seen[k] - seen[k - 1] <= gap_ms) continue;
      if (!computed) usual = usual_hours(seen), computed = true;
      int h_after = static_cast<int>(((seen[k - 1] + kHalfHour) % kDayMs) / kHourMs);
      int h_before = static_cast<int>(((seen[k] - kHalfHour) % kDayMs) / kHourMs);
      if (!usual[h_after] || !usual[h_before]) continue;
      events[{seen[k - 1] / slot_ms, seen[k] / slot_ms}].push_back(i);
    }
  }
  std::unordered_map<uint64_t, uint32_t> pair_count;
  std::unordered_map<uint64_t, std::pair<int64_t, int64_t>> pair_span;
  for (auto& [slots, members] : events) {
    if (members.size() < cfg.silence_min_devices || members.size() > kMaxEvent) continue;
    for (size_t a = 0; a < members.size(); ++a)
      for (size_t b = a + 1; b < members.size(); ++b) {
        uint64_t key = (static_cast<uint64_t>(std::min(members[a], members[b])) << 32) | std::max(members[a], members[b]);
        ++pair_count[key];
      }
  }
  UnionFind uf(fleet.size());
  std::unordered_map<uint32_t, uint32_t> degree;
  for (auto& [key, n] : pair_count) {
    if (n < cfg.silence_min_events) continue;
    uint32_t a = static_cast<uint32_t>(key >> 32), b = static_cast<uint32_t>(key & 0xffffffffu);
    uf.unite(a, b);
    ++degree[a];
    ++degree[b];
  }
  std::map<uint32_t, std::vector<uint32_t>> groups;
  for (auto& [dev, deg] : degree) groups[uf.find(dev)].push_back(dev);
  for (auto& [root, members] : groups) {
    std::set<std::string> assignees;
    for (uint32_t i : members) assignees.insert(who(fleet[i]));
    if (members.size() < cfg.silence_min_devices || assignees.size() < 2) continue;
    std::vector<std::string> ids;
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (uint32_t i : members) {
      ids.push_back(fleet[i].device_id);
      if (!fleet[i].seen_unix_ms.empty()) {
        first = std::min(first, fleet[i].seen_unix_ms.front());
        last = std::max(last, fleet[i].seen_unix_ms.back());
      }
    }
    std::sort(ids.begin(), ids.end());
    // Count the shared silences of this group for the evidence.
    std::set<uint32_t> in_group(members.begin(), members.end());
    size_t shared = 0;
    for (auto& [slots, ev] : events) {
      if (ev.size() > kMaxEvent) continue;
      size_t n = std::count_if(ev.begin(), ev.end(), [&](uint32_t m) { return in_group.count(m) > 0; });
      if (n >= cfg.silence_min_devices) ++shared;
    }
    Cluster c;
    c.set_kind("silent_together");
    c.set_key(ids.front());
    c.set_id("silent_together:" + ids.front());
    for (auto& id : ids) c.add_members(id);
    add_fact(c, "devices", std::to_string(ids.size()) + " laptops of " + std::to_string(assignees.size()) +
                               " assignees went silent and came back together " + std::to_string(shared) + " times");
    c.set_first_seen_unix_ms(first);
    c.set_last_seen_unix_ms(last);
    out.push_back(std::move(c));
  }
}

}  // namespace

std::string utc_time(int64_t unix_ms, const char* format) {
  if (unix_ms <= 0) return "-";
  const time_t t = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::vector<Cluster> correlate_fleet(const std::vector<FleetDevice>& fleet, const DetectConfig& cfg) {
  std::vector<Cluster> out;
  shared_network(fleet, cfg, "shared_gateway_mac", &FleetDevice::gateway_mac, &NetworkSighting::gateway_mac, out);
  shared_network(fleet, cfg, "shared_egress_ip", &FleetDevice::egress_ip, &NetworkSighting::egress_ip, out);
  shared_network(fleet, cfg, "shared_bssid", &FleetDevice::bssid, &NetworkSighting::bssid, out);
  merge_same_members(out);
  shared_serial(fleet, cfg, "shared_monitor_serial", "borrowed_monitor_serial", "EDID", &FleetDevice::monitor_serials,
                &FleetDevice::monitor_fingerprints, out);
  shared_serial(fleet, cfg, "shared_kvm_serial", "borrowed_kvm_serial", "USB descriptors", &FleetDevice::kvm_serials,
                &FleetDevice::kvm_fingerprints, out);
  silent_together(fleet, cfg, out);
  answered_in_sequence(fleet, cfg, out);
  std::sort(out.begin(), out.end(), [](const Cluster& a, const Cluster& b) { return a.id() < b.id(); });
  return out;
}

void fleet_rules(const RuleInput& in, Findings& out) {
  for (const auto& c : in.ctx.clusters) {
    bool member = std::find(c.members().begin(), c.members().end(), in.ctx.device_id) != c.members().end();
    if (!member) continue;
    // Many assignees behind one home network is the farm itself; the larger
    // the group the surer (three colleagues sharing a flat are possible).
    bool network = c.kind() == "shared_gateway_mac" || c.kind() == "shared_egress_ip" || c.kind() == "shared_bssid";
    const bool borrowed = c.kind() == "borrowed_monitor_serial" || c.kind() == "borrowed_kvm_serial";
    std::string severity = network ? "critical" : c.kind() == "silent_together" ? "medium" : "high";
    // A copied serial is a deliberate lie about the hardware: as sure as a
    // shared network, whatever the cluster's size (it has one member).
    double confidence = borrowed ? 0.8 : std::min(0.95, 0.5 + 0.05 * c.members_size());
    std::string title = c.kind() == "borrowed_monitor_serial"
                            ? "Its monitor claims another laptop's monitor serial with a different EDID"
                        : c.kind() == "borrowed_kvm_serial"
                            ? "Its USB device claims another laptop's KVM serial with different descriptors"
                        : c.kind() == "shared_gateway_mac"     ? "Shares a home gateway with laptops of other assignees"
                        : c.kind() == "shared_egress_ip"     ? "Shares a public IP address with laptops of other assignees"
                        : c.kind() == "shared_bssid"         ? "Shares a Wi-Fi access point with laptops of other assignees"
                        : c.kind() == "shared_monitor_serial" ? "Its monitor's serial appears on other assignees' laptops"
                        : c.kind() == "shared_kvm_serial"    ? "Its KVM's serial appears on other assignees' laptops"
                        : c.kind() == "answered_in_sequence"
                            ? "Its presence check was answered in turn with other assignees' laptops, as by one person"
                                                             : "Goes silent and returns together with other laptops";
    auto& ind = out.add("fleet." + c.kind(), title, severity, confidence, "fleet");
    Findings::fact(ind, "cluster " + c.id(), std::to_string(c.members_size()) + " devices");
    for (const auto& f : c.evidence()) Findings::fact(ind, f.key(), f.value());
  }
}

bool has_kvm_traces(const telltale::v1::UsbDevice& d, const Catalog& catalog) {
  if (d.root_hub()) return false;
  if (d.vendor_id() == 0x1d6b && d.product_id() > 3) return true;
  for (const auto& itf : d.interfaces())
    if (itf.interface_class() == 3 && itf.has_interface_string() && itf.interface_string() == "HID Interface") return true;
  for (const auto& s : catalog.usb()) {
    if (s.vid && (*s.vid != d.vendor_id() || (s.pid && *s.pid != d.product_id()))) continue;
    if (!s.manufacturer.empty() && lower(s.manufacturer) != lower(d.manufacturer())) continue;
    if (!s.product.empty() && lower(s.product) != lower(d.product())) continue;
    if (!s.serial.empty() && s.serial != d.serial()) continue;
    return true;
  }
  return false;
}

namespace {
// What a forger would have to copy besides the serial: the device's
// identity strings, release and the shape of every interface.
std::string usb_fingerprint(const telltale::v1::UsbDevice& d) {
  std::string k = hex4(d.vendor_id()) + ":" + hex4(d.product_id()) + ":" + hex4(d.bcd_device()) + "\n" +
                  d.manufacturer() + "\n" + d.product() + "\n" + std::to_string(d.device_class()) + "\n";
  for (const auto& itf : d.interfaces()) {
    k += std::to_string(itf.number()) + "/" + std::to_string(itf.interface_class()) + "/" +
         std::to_string(itf.interface_subclass()) + "/" + std::to_string(itf.interface_protocol()) + "/" +
         itf.interface_string() + "\n";
    for (const auto& h : itf.hid()) k += "hid " + std::to_string(h.descriptor_length()) + "\n";
  }
  return sha256_hex(k);
}
}  // namespace

FleetDevice fleet_device_from_snapshot(const std::string& device_id, const telltale::v1::Snapshot& snap,
                                       const Catalog& catalog) {
  FleetDevice f;
  f.device_id = device_id;
  f.gateway_mac = snap.network().default_gateway_mac();
  f.egress_ip = snap.network().egress_ip();
  f.bssid = snap.network().wifi_bssid();
  for (const auto& disp : snap.displays()) {
    if (disp.internal() || !disp.has_edid() || !disp.edid().valid()) continue;
    const auto& e = disp.edid();
    std::string serial = !e.serial_string().empty() ? e.serial_string()
                         : e.serial_number() != 0   ? std::to_string(e.serial_number())
                                                    : "";
    if (serial.empty()) continue;
    f.monitor_serials.push_back(e.pnp_id() + ":" + hex4(e.product_code()) + ":" + serial);
    f.monitor_fingerprints.push_back(disp.edid_raw().empty() ? std::string() : sha256_hex(disp.edid_raw()));
  }
  for (const auto& d : snap.usb_devices())
    if (d.has_serial() && !d.serial().empty() && has_kvm_traces(d, catalog)) {
      f.kvm_serials.push_back(hex4(d.vendor_id()) + ":" + hex4(d.product_id()) + ":" + d.serial());
      f.kvm_fingerprints.push_back(usb_fingerprint(d));
    }
  if (snap.collected_at_unix_ms() != 0) f.seen_unix_ms.push_back(snap.collected_at_unix_ms());
  return f;
}

}  // namespace telltale::detect
