#pragma once
// What hardware each device has shown over time: for every (serial,
// fingerprint) its first and last sighting and in how many distinct
// snapshots. Fleet correlation reads it to tell a monitor that has stood on
// a desk for days from a serial string that appeared in one report.
//
// The logic only: the collector keeps the rows in its Store
// (Store::hardware_sightings), reads a device's rows at each correlation,
// folds the device's latest snapshot in (fold) and writes them back when
// they changed. Stored, the history survives a collector restart and is the
// same on every collector sharing one PostgreSQL database. observe() keeps
// rows in memory for callers without a store (tests, offline tools).
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/detect/fleet.h"

namespace telltale::detect {

// One stored sighting: which list it came from and the last snapshot that
// counted it (a snapshot seen by two correlation runs counts once).
struct SightingRow {
  std::string kind;  // "monitor" or "kvm"
  HardwareSighting sighting;
  int64_t last_snapshot_id = -1;
};

class HardwareHistory {
 public:
  // At most this many sightings per device; the least recently seen go first.
  explicit HardwareHistory(size_t per_device = 64) : per_device_(per_device) {}

  // Records the monitors and KVMs in `current` (from fleet_device_from_snapshot)
  // into the device's `rows`; returns whether any row changed (a new
  // snapshot), i.e. whether they need writing back. `snapshot_id` (the
  // snapshot's collection time) only tells a new snapshot from one already
  // counted; times come from the collector's clock (`now_unix_ms`), because
  // a device could claim any collection times and fake a week in a minute.
  bool fold(std::vector<SightingRow>& rows, const FleetDevice& current, int64_t snapshot_id,
            int64_t now_unix_ms) const;
  static std::vector<HardwareSighting> sightings_of(const std::vector<SightingRow>& rows);

  // fold() on rows kept in this object; returns the device's whole history.
  std::vector<HardwareSighting> observe(const FleetDevice& current, int64_t snapshot_id, int64_t now_unix_ms);
  // Devices no longer in the fleet (revoked, deleted).
  void retain_only(const std::vector<std::string>& device_ids);

 private:
  size_t per_device_;
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<SightingRow>> devices_;
};

}  // namespace telltale::detect
