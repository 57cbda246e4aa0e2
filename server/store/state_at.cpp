#include "server/store/state_at.h"

#include <stdexcept>

#include "telltale/v1/snapshot_delta.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::server {

std::optional<telltale::v1::Snapshot> rebuild_state(const std::string& device_id,
                                                    const std::vector<std::pair<uint64_t, std::string>>& payloads) {
  std::optional<telltale::v1::Snapshot> state;
  telltale::v1::Report report;
  for (const auto& [seq, bytes] : payloads) {
    if (!report.ParseFromString(bytes))
      throw std::runtime_error("report " + std::to_string(seq) + " of " + device_id + " does not parse");
    if (report.has_snapshot()) {
      state = std::move(*report.mutable_snapshot());
    } else if (report.has_delta() && state) {
      std::string error;
      if (!telltale::v1::apply_delta(*state, report.delta(), &error))
        throw std::runtime_error("delta in report " + std::to_string(seq) + " of " + device_id +
                                 " does not apply: " + error);
    }
  }
  return state;
}

bool carries_full_snapshot(const std::string& payload) {
  telltale::v1::Report report;
  return report.ParseFromString(payload) && report.has_snapshot();
}

}  // namespace telltale::server
