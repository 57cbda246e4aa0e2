#pragma once
// A device's state as of one report, rebuilt from the stored reports: the
// newest full snapshot at or before it with the later deltas applied in seq
// order. Shared by the sqlite and PostgreSQL stores' snapshot_at.
#include <optional>
#include <string>
#include <vector>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::server {

// `payloads`: serialized Reports in ascending seq, the first a full snapshot.
// nullopt when there is none to start from; throws std::runtime_error naming
// the device and seq when a stored report does not parse or a delta does not
// apply (stored evidence that cannot be read is an error, not an empty page).
std::optional<telltale::v1::Snapshot> rebuild_state(const std::string& device_id,
                                                    const std::vector<std::pair<uint64_t, std::string>>& payloads);

// True when the serialized Report carries a full snapshot (not a delta, not
// events only): where rebuilding can start.
bool carries_full_snapshot(const std::string& payload);

}  // namespace telltale::server
