#pragma once
// Rendering of a snapshot for `telltale-agent scan`: canonical protobuf JSON
// for machines, a short human summary for people.
#include <string>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::agent {

std::string snapshot_json(const telltale::v1::Snapshot& snapshot);
std::string snapshot_text(const telltale::v1::Snapshot& snapshot);

}  // namespace telltale::agent
