#pragma once
// What an investigator types for a device: its id, hostname or DMI serial.
// One resolver, so telltale-ctl (local and remote) and the console agree on
// what "show build-box" means and on when a name is too vague to act on.
#include <string>
#include <vector>

#include "server/store/store.h"

namespace telltale::server {

struct DeviceRefResult {
  std::vector<DeviceRecord> matches;  // exactly one: resolved
  // Filled when matches.size() != 1: "no device has id, hostname or serial
  // \"x\"" or "\"lab\" matches 2 devices: dev-a (host lab, serial S1), …;
  // give a device id".
  std::string error;
  bool resolved() const { return matches.size() == 1; }
};

// Exact device id first (ids are unique, so an id never turns ambiguous
// because a hostname equals it); else every device whose hostname or serial
// equals ref, case-insensitively. Revoked devices count: an investigator
// still looks at them.
DeviceRefResult resolve_device_ref(const std::vector<DeviceRecord>& devices, const std::string& ref);

}  // namespace telltale::server
