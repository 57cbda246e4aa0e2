#pragma once
// The fleet view the correlation rules read: one small struct per device,
// built by the collector from the latest snapshot and the report history.
#include <cstdint>
#include <string>
#include <vector>

#include "server/detect/catalog.h"
#include "telltale/v1/snapshot.pb.h"

namespace telltale::detect {

struct NetworkSighting {
  int64_t unix_ms = 0;
  std::string gateway_mac, egress_ip, bssid;
};

struct FleetDevice {
  std::string device_id;
  std::string assignee;         // employee or email; empty when unassigned
  std::string expected_region;  // from the assignment, e.g. "US-TX"
  // Current network keys (the latest snapshot).
  std::string gateway_mac, egress_ip, bssid;
  std::vector<std::string> monitor_serials;  // "PNP:product:serial" of external displays
  std::vector<std::string> kvm_serials;      // "vid:pid:serial" of USB devices with KVM traces
  // Earlier network keys, oldest first. When empty the current keys are taken
  // to have held over the whole of seen_unix_ms.
  std::vector<NetworkSighting> network_history;
  // Times the collector heard from the device (reports, heartbeats), ascending.
  std::vector<int64_t> seen_unix_ms;
};

// Fills the snapshot-derived parts of a FleetDevice (network keys, monitor
// and KVM serials); the caller adds assignee, history and seen times.
FleetDevice fleet_device_from_snapshot(const std::string& device_id, const telltale::v1::Snapshot& snapshot,
                                       const Catalog& catalog);

}  // namespace telltale::detect
