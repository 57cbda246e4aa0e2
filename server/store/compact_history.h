#pragma once
// Compact history: how both stores keep a laptop's past small without losing
// any of it. Agents send a full snapshot every collection (~4 KB, 288 a day);
// most of them differ from the one before only in volatile sections (the
// collection time, round trips, agent health, input counts, the laptop's
// clock reading). Such a report is stored as a SnapshotDelta against the
// device's current state, which rebuilds the received snapshot exactly; a
// full snapshot is stored when the laptop changed materially (any other
// section or field) or `full_snapshot_every_ms` has passed since the last
// full one, so rebuilding any past report reads at most one day of deltas.
//
// Nothing is lost: the stored delta, applied to the state it was made
// against, reproduces the received snapshot byte for byte (checked before it
// is stored; otherwise the report is stored as received).
#include <cstdint>
#include <optional>
#include <string>

#include "telltale/v1/snapshot.pb.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::server {

struct HistoryPolicy {
  bool compact = true;  // false: every full snapshot is stored as received (the behaviour before issue 19)
  int64_t full_snapshot_every_ms = 24LL * 3600 * 1000;
};

// True when `after` differs from `before` in anything but the volatile
// parts: collected_at_unix_ms, latency, input_activity, health,
// time.agent_clock_unix_ms, lid.switch_changes and lid.closed_seconds.
bool materially_changed(const telltale::v1::Snapshot& before, const telltale::v1::Snapshot& after);

// What the store knows of the device when a full-snapshot report arrives.
struct HistoryState {
  uint64_t state_seq = 0;            // the report the current state is as of
  const telltale::v1::Snapshot* state = nullptr;
  int64_t last_full_ms = 0;          // received_ms of the newest full snapshot stored (0: unknown)
  bool contiguous = false;           // every seq between state_seq and the report's seq is stored
};

// The bytes to store for `report` (which carries a full snapshot) received
// at received_ms: a delta report when the policy allows it, nullopt when it
// is to be stored as received.
std::optional<std::string> compact_report(const telltale::v1::Report& report, int64_t received_ms,
                                          const HistoryState& known, const HistoryPolicy& policy);

// The "kind" column a stored report gets: "snapshot", "delta" or "events"
// (a report with neither, e.g. a hot-plug event between collections).
const char* stored_kind(const telltale::v1::Report& stored);

// True when `incoming` (a re-sent report) is the report whose stored form is
// `stored` and whose snapshot rebuilt from history is `rebuilt`: a duplicate,
// not a cloned identity.
bool same_report(const telltale::v1::Report& incoming, const telltale::v1::Report& stored,
                 const std::optional<telltale::v1::Snapshot>& rebuilt);

}  // namespace telltale::server
