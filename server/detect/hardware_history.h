#pragma once
// What hardware each device has shown over time: for every (serial,
// fingerprint) its first and last sighting and in how many distinct
// snapshots. Fleet correlation reads it to tell a monitor that has stood on
// a desk for days from a serial string that appeared in one report.
//
// Kept in the collector's memory and fed at each correlation with the latest
// snapshot of every device (a snapshot already seen is not counted twice).
// After a restart it starts empty, which errs on the safe side: nothing is
// corroborated, so no shared-serial cluster raises anyone until the
// hardware has been seen again for shared_serial_min_span_hours.
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/detect/fleet.h"

namespace telltale::detect {

class HardwareHistory {
 public:
  // At most this many sightings per device; the least recently seen go first.
  explicit HardwareHistory(size_t per_device = 64) : per_device_(per_device) {}

  // Records the monitors and KVMs in `current` (from fleet_device_from_snapshot)
  // and returns the device's whole history. `snapshot_id` (the snapshot's
  // collection time) only tells a new snapshot from one already counted;
  // times come from the collector's clock (`now_unix_ms`), because a
  // device could claim any collection times and fake a week in a minute.
  std::vector<HardwareSighting> observe(const FleetDevice& current, int64_t snapshot_id, int64_t now_unix_ms);
  // Devices no longer in the fleet (revoked, deleted).
  void retain_only(const std::vector<std::string>& device_ids);

 private:
  struct PerDevice {
    int64_t last_snapshot_id = -1;
    std::vector<HardwareSighting> sightings;
  };
  size_t per_device_;
  std::mutex mu_;
  std::unordered_map<std::string, PerDevice> devices_;
};

}  // namespace telltale::detect
