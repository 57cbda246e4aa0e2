#pragma once
// The console's one search: what an investigator may type for a laptop
// (hostname, serial, user, e-mail, device id, USB VID:PID or serial, KVM or
// monitor EDID serial, IP, gateway, Wi-Fi BSSID, a tool or indicator) matched
// on the server against the device's record, assignment, latest snapshot and
// verdict. Only these fields match, never a hidden sort key, and each hit
// says which field matched so a list can show why a row is there.
#include <string>
#include <utility>
#include <vector>

#include "server/store/store.h"
#include "telltale/v1/snapshot.pb.h"

namespace telltale::server::console {

struct SearchField {
  std::string label;  // "usb 1-3", "serial", "gateway"
  std::string value;
};

// Fields of the latest snapshot worth searching (kept with the snapshot facts
// the lists cache, so a search does not rebuild snapshots).
std::vector<SearchField> snapshot_search_fields(const telltale::v1::Snapshot& s);

// Fields from the device record and its assignment.
std::vector<SearchField> record_search_fields(const DeviceRecord& d, const Assignment* a);

// Every whitespace-separated term of `query` must occur (case-insensitive) in
// some field. Returns the matching fields, "label: value", at most
// `max_hits`; empty when a term matched nothing. A blank query matches
// nothing here (callers skip the search then).
std::vector<std::string> match_fields(const std::vector<SearchField>& fields, const std::string& query,
                                      size_t max_hits = 4);

}  // namespace telltale::server::console
