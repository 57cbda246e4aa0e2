#pragma once
// What changed on a laptop between two of its stored states, in the words an
// investigator uses ("USB plugged into 1-3: 1d6b:0104 PiKVM …", "Time zone
// America/Chicago → Asia/Seoul"), and a field-by-field diff of two snapshots
// for the diff view. Pure: both snapshots come from Store::snapshot_at.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::server::console {

struct StateChange {
  std::string type;     // usb.plugged, usb.unplugged, display.changed, timezone.changed, layout.changed,
                        // input_method.changed, remote.session, remote.changed, lid.closed, lid.opened,
                        // network.changed
  std::string summary;  // one line
  std::string key;      // what it is about: a port path, connector, tool id (dedupe with agent events)
};
std::vector<StateChange> state_changes(const telltale::v1::Snapshot& before, const telltale::v1::Snapshot& after);

struct FieldChange {
  std::string path;    // "usb_devices[1-3].product", "time.iana_zone"
  std::string change;  // added, removed, changed
  std::string before, after;
};
// Lists are keyed by what identifies an element (USB port path, display
// connector, interface name, tool id), so unplugging one device does not show
// every later one as changed. Binary fields (*_raw) appear as their SHA-256
// and length, never as base64. Without `all`, the fields that change on every
// report (collection time, agent health, latency, input activity) are left out.
std::vector<FieldChange> snapshot_diff(const telltale::v1::Snapshot& a, const telltale::v1::Snapshot& b, bool all);

// "sha256 0123abcd…, 256 bytes": how binary data is shown in diffs and exports.
std::string describe_binary(const std::string& bytes);
// The same for bytes as proto JSON prints them (base64).
std::string describe_base64(const std::string& base64);

}  // namespace telltale::server::console
