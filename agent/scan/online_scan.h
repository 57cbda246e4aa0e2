#pragma once
// `telltale-agent scan` online: collect, submit one report flagged with a
// scan id, wait for the collector's verdict for this device.
#include <chrono>
#include <optional>
#include <string>

#include "agent/enroll/agent_state.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::agent {

struct ScanOutcome {
  std::optional<telltale::v1::ScanResult> result;  // unset: unknown (unreachable, timeout)
  std::string problem;                              // why unknown
};

// The report goes through the spool first: if the collector cannot be
// reached it stays there and the daemon delivers it later.
ScanOutcome submit_scan(const StatePaths& paths, const AgentIdentity& identity, telltale::v1::Snapshot snapshot,
                        std::chrono::seconds timeout);

// 0 compliant, 1 non-compliant, 2 unknown.
int scan_exit_code(const ScanOutcome& outcome);

// What the scan prints: a line for people, or a JSON object with
// device_id, status (compliant / non-compliant / unknown), verdict, reasons.
std::string scan_outcome_text(const ScanOutcome& outcome, const std::string& device_id, bool json);

}  // namespace telltale::agent
