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

// One hardware value a device has shown over time (a monitor's serial, a
// KVM's serial) together with the fingerprint of the hardware that carried
// it. A serial string is easy to forge; the raw EDID (or the USB device's
// descriptors) and a history of reports are not, so a shared serial counts
// only with both behind it (rules_fleet.cpp, docs/ARCHITECTURE.md).
struct HardwareSighting {
  std::string key;          // "DEL:a0b1:CN0XYZ" (monitor) or "1d6b:0104:CAFEBABE" (KVM)
  std::string fingerprint;  // sha256 of the raw EDID, or of the USB device's identity and interfaces
  int64_t first_unix_ms = 0, last_unix_ms = 0;
  uint32_t reports = 0;  // distinct snapshots that showed it
};

// One answered presence check as fleet correlation reads it, on the
// collector's clock. The person was busy with this laptop from the first
// answering event until the signed result arrived.
struct PresenceAnswer {
  std::string check_id;
  std::string action;                 // lid, key, reaction
  int64_t delivered_unix_ms = 0;      // pushed on the stream: the prompt appears then
  int64_t first_response_unix_ms = 0; // delivered + the agent's prompt → first answering event
  int64_t answered_unix_ms = 0;       // the signed result arrived
};

struct FleetDevice {
  std::string device_id;
  std::string assignee;         // employee or email; empty when unassigned
  std::string expected_region;  // from the assignment, e.g. "US-TX"
  // Current network keys (the latest snapshot).
  std::string gateway_mac, egress_ip, bssid;
  std::vector<std::string> monitor_serials;  // "PNP:product:serial" of external displays
  std::vector<std::string> kvm_serials;      // "vid:pid:serial" of USB devices with KVM traces
  // Fingerprints of the hardware behind each serial above, index for index.
  std::vector<std::string> monitor_fingerprints, kvm_fingerprints;
  // Every (serial, fingerprint) this device has shown, with how long and how
  // often (HardwareHistory). A shared serial without a sighting here is
  // uncorroborated and raises nobody.
  std::vector<HardwareSighting> sightings;
  // Earlier network keys, oldest first. When empty the current keys are taken
  // to have held over the whole of seen_unix_ms.
  std::vector<NetworkSighting> network_history;
  // Times the collector heard from the device (reports, heartbeats), ascending.
  std::vector<int64_t> seen_unix_ms;
  // Answered presence checks with a valid signature (rules_presence_fleet.cpp).
  std::vector<PresenceAnswer> presence_answers;
};

// Fills the snapshot-derived parts of a FleetDevice (network keys, monitor
// and KVM serials); the caller adds assignee, history and seen times.
FleetDevice fleet_device_from_snapshot(const std::string& device_id, const telltale::v1::Snapshot& snapshot,
                                       const Catalog& catalog);

}  // namespace telltale::detect
