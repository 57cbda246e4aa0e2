#include "server/detect/hardware_history.h"

#include <algorithm>
#include <unordered_set>

namespace telltale::detect {

std::vector<HardwareSighting> HardwareHistory::observe(const FleetDevice& current, int64_t snapshot_id,
                                                      int64_t now_unix_ms) {
  const int64_t collected_unix_ms = now_unix_ms;
  std::lock_guard lock(mu_);
  auto& d = devices_[current.device_id];
  if (snapshot_id != d.last_snapshot_id) {
    d.last_snapshot_id = snapshot_id;
    auto see = [&](const std::vector<std::string>& keys, const std::vector<std::string>& fingerprints) {
      for (size_t i = 0; i < keys.size(); ++i) {
        const std::string fp = i < fingerprints.size() ? fingerprints[i] : std::string();
        auto it = std::find_if(d.sightings.begin(), d.sightings.end(),
                               [&](const HardwareSighting& s) { return s.key == keys[i] && s.fingerprint == fp; });
        if (it == d.sightings.end()) {
          d.sightings.push_back({keys[i], fp, collected_unix_ms, collected_unix_ms, 0});
          it = std::prev(d.sightings.end());
        }
        it->first_unix_ms = std::min(it->first_unix_ms, collected_unix_ms);
        it->last_unix_ms = std::max(it->last_unix_ms, collected_unix_ms);
        ++it->reports;
      }
    };
    see(current.monitor_serials, current.monitor_fingerprints);
    see(current.kvm_serials, current.kvm_fingerprints);
    if (d.sightings.size() > per_device_) {
      std::sort(d.sightings.begin(), d.sightings.end(),
                [](const auto& a, const auto& b) { return a.last_unix_ms > b.last_unix_ms; });
      d.sightings.resize(per_device_);
    }
  }
  return d.sightings;
}

void HardwareHistory::retain_only(const std::vector<std::string>& device_ids) {
  std::unordered_set<std::string> keep(device_ids.begin(), device_ids.end());
  std::lock_guard lock(mu_);
  for (auto it = devices_.begin(); it != devices_.end();) it = keep.count(it->first) ? std::next(it) : devices_.erase(it);
}

}  // namespace telltale::detect
