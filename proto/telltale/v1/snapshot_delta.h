#pragma once
// The meaning of SnapshotDelta, kept beside the contract so agent and
// collector cannot disagree: a delta names top-level Snapshot fields whose
// value replaces the base's value wholesale (a cleared section is named and
// left empty in `changed`).
#include <string>
#include <vector>

#include "telltale/v1/snapshot.pb.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::v1 {

// Top-level fields of `next` that differ from `base`.
std::vector<std::string> changed_sections(const Snapshot& base, const Snapshot& next);

// Builds the delta from base (stored at base_seq) to next.
SnapshotDelta make_delta(uint64_t base_seq, const Snapshot& base, const Snapshot& next);

// Applies delta to base. Returns false and sets *error for a section name the
// schema does not have (a newer agent): nothing is changed then.
bool apply_delta(Snapshot& base, const SnapshotDelta& delta, std::string* error);

}  // namespace telltale::v1
