#include "server/store/compact_history.h"

#include <google/protobuf/util/message_differencer.h>

#include "telltale/v1/snapshot_delta.h"

namespace telltale::server {
namespace {

// The parts of a snapshot that move on every collection of an unchanged
// laptop. Keep in sync with the list in compact_history.h and
// docs/PERFORMANCE.md ("Stored history").
telltale::v1::Snapshot without_volatile(const telltale::v1::Snapshot& s) {
  telltale::v1::Snapshot out = s;
  out.clear_collected_at_unix_ms();
  out.clear_latency();
  out.clear_input_activity();
  out.clear_health();
  if (out.has_time()) out.mutable_time()->clear_agent_clock_unix_ms();
  if (out.has_lid()) {
    out.mutable_lid()->clear_switch_changes();
    out.mutable_lid()->clear_closed_seconds();
  }
  return out;
}

}  // namespace

bool materially_changed(const telltale::v1::Snapshot& before, const telltale::v1::Snapshot& after) {
  return !google::protobuf::util::MessageDifferencer::Equals(without_volatile(before), without_volatile(after));
}

std::optional<std::string> compact_report(const telltale::v1::Report& report, int64_t received_ms,
                                          const HistoryState& known, const HistoryPolicy& policy) {
  if (!policy.compact || !report.has_snapshot() || known.state == nullptr || !known.contiguous) return std::nullopt;
  // Only a report that continues the state in order: a late re-send of an
  // older seq would be a delta against the wrong base.
  if (report.seq() <= known.state_seq) return std::nullopt;
  // A full snapshot at least every full_snapshot_every_ms bounds how many
  // deltas rebuilding a past report reads (and a clock that went backwards
  // starts a new full one rather than trusting the arithmetic).
  if (known.last_full_ms <= 0 || received_ms < known.last_full_ms ||
      received_ms - known.last_full_ms >= policy.full_snapshot_every_ms)
    return std::nullopt;
  if (materially_changed(*known.state, report.snapshot())) return std::nullopt;

  auto delta = telltale::v1::make_delta(known.state_seq, *known.state, report.snapshot());
  // Stored only if it rebuilds the received snapshot exactly (fields a newer
  // agent sent that this collector does not know would not survive a delta).
  telltale::v1::Snapshot rebuilt = *known.state;
  if (!telltale::v1::apply_delta(rebuilt, delta, nullptr) ||
      rebuilt.SerializeAsString() != report.snapshot().SerializeAsString())
    return std::nullopt;
  telltale::v1::Report stored = report;
  stored.mutable_delta()->Swap(&delta);  // the oneof drops the full snapshot
  return stored.SerializeAsString();
}

const char* stored_kind(const telltale::v1::Report& stored) {
  if (stored.has_snapshot()) return "snapshot";
  if (stored.has_delta()) return "delta";
  return "events";
}

bool same_report(const telltale::v1::Report& incoming, const telltale::v1::Report& stored,
                 const std::optional<telltale::v1::Snapshot>& rebuilt) {
  if (stored.has_delta() && incoming.has_snapshot()) {
    if (!rebuilt) return false;
    telltale::v1::Report original = stored;
    *original.mutable_snapshot() = *rebuilt;
    return original.SerializeAsString() == incoming.SerializeAsString();
  }
  return stored.SerializeAsString() == incoming.SerializeAsString();
}

}  // namespace telltale::server
