#include "server/detect/hardware_history.h"

#include <algorithm>
#include <tuple>
#include <unordered_set>

namespace telltale::detect {

bool HardwareHistory::fold(std::vector<SightingRow>& rows, const FleetDevice& current, int64_t snapshot_id,
                           int64_t now_unix_ms) const {
  bool changed = false;
  auto see = [&](const char* kind, const std::vector<std::string>& keys, const std::vector<std::string>& fingerprints) {
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string fp = i < fingerprints.size() ? fingerprints[i] : std::string();
      auto it = std::find_if(rows.begin(), rows.end(), [&](const SightingRow& r) {
        return r.kind == kind && r.sighting.key == keys[i] && r.sighting.fingerprint == fp;
      });
      const bool fresh = it == rows.end();
      if (fresh) {
        rows.push_back({kind, {keys[i], fp, now_unix_ms, now_unix_ms, 0}, snapshot_id});
        it = std::prev(rows.end());
      } else if (it->last_snapshot_id == snapshot_id) {
        // Per row, so the same hardware listed twice in one snapshot (a
        // mirrored EDID on two connectors) is one report, not two.
        continue;
      }
      it->last_snapshot_id = snapshot_id;
      it->sighting.first_unix_ms = std::min(it->sighting.first_unix_ms, now_unix_ms);
      it->sighting.last_unix_ms = std::max(it->sighting.last_unix_ms, now_unix_ms);
      ++it->sighting.reports;
      changed = true;
    }
  };
  see("monitor", current.monitor_serials, current.monitor_fingerprints);
  see("kvm", current.kvm_serials, current.kvm_fingerprints);
  if (rows.size() > per_device_) {
    // The same order the store evicts in (last seen, then the key), so the
    // rows kept here are the rows the store keeps.
    std::sort(rows.begin(), rows.end(), [](const SightingRow& a, const SightingRow& b) {
      return std::tie(b.sighting.last_unix_ms, a.kind, a.sighting.key, a.sighting.fingerprint) <
             std::tie(a.sighting.last_unix_ms, b.kind, b.sighting.key, b.sighting.fingerprint);
    });
    rows.resize(per_device_);
  }
  return changed;
}

std::vector<HardwareSighting> HardwareHistory::sightings_of(const std::vector<SightingRow>& rows) {
  std::vector<HardwareSighting> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r.sighting);
  return out;
}

std::vector<HardwareSighting> HardwareHistory::observe(const FleetDevice& current, int64_t snapshot_id,
                                                      int64_t now_unix_ms) {
  std::lock_guard lock(mu_);
  auto& rows = devices_[current.device_id];
  fold(rows, current, snapshot_id, now_unix_ms);
  return sightings_of(rows);
}

void HardwareHistory::retain_only(const std::vector<std::string>& device_ids) {
  std::unordered_set<std::string> keep(device_ids.begin(), device_ids.end());
  std::lock_guard lock(mu_);
  for (auto it = devices_.begin(); it != devices_.end();) it = keep.count(it->first) ? std::next(it) : devices_.erase(it);
}

}  // namespace telltale::detect
