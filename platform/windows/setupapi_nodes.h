#pragma once
// Device nodes under one SetupAPI enumerator ("USB", "HID", "USBSTOR",
// "DISPLAY"), with the properties the probes read. Thin: no interpretation.
#include <optional>
#include <string>
#include <vector>

namespace telltale::platform::windows_probe {

struct DeviceNode {
  std::string instance_id;                 // "USB\VID_1D6B&PID_0104\CAFEBABE"
  std::vector<std::string> hardware_ids;   // SPDRP_HARDWAREID
  std::vector<std::string> compatible_ids; // SPDRP_COMPATIBLEIDS
  std::vector<std::string> location_paths; // DEVPKEY_Device_LocationPaths
  std::string service;                     // SPDRP_SERVICE (driver)
  std::string description;                 // SPDRP_DEVICEDESC (from the INF)
  std::string friendly_name;               // SPDRP_FRIENDLYNAME
  std::optional<std::string> bus_description;  // DEVPKEY_Device_BusReportedDeviceDesc (iProduct / iInterface)
  std::string parent;                      // DEVPKEY_Device_Parent
  std::optional<std::vector<uint8_t>> edid;    // Device Parameters\EDID (DISPLAY only)
};

// Every node the enumerator lists; `error` says why none could be listed.
std::vector<DeviceNode> list_device_nodes(const wchar_t* enumerator, std::string& error, bool read_edid = false);

}  // namespace telltale::platform::windows_probe
