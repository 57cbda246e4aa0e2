#include "platform/windows/setupapi_nodes.h"

// clang-format off
#include <windows.h>
#include <initguid.h>
#include <devpkey.h>
#include <setupapi.h>
#include <cfgmgr32.h>
// clang-format on

#include "platform/windows/registry.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {
namespace {

std::optional<std::vector<uint8_t>> registry_property(HDEVINFO set, SP_DEVINFO_DATA& d, DWORD property) {
  DWORD type = 0, need = 0;
  SetupDiGetDeviceRegistryPropertyW(set, &d, property, &type, nullptr, 0, &need);
  if (need == 0) return std::nullopt;
  std::vector<uint8_t> buf(need);
  if (!SetupDiGetDeviceRegistryPropertyW(set, &d, property, &type, buf.data(), need, &need)) return std::nullopt;
  buf.resize(need);
  return buf;
}

std::vector<std::string> registry_strings(HDEVINFO set, SP_DEVINFO_DATA& d, DWORD property) {
  auto raw = registry_property(set, d, property);
  return raw ? win::split_multi_sz(*raw) : std::vector<std::string>{};
}
std::string registry_string(HDEVINFO set, SP_DEVINFO_DATA& d, DWORD property) {
  auto v = registry_strings(set, d, property);
  return v.empty() ? "" : v.front();
}

std::optional<std::string> device_property_string(HDEVINFO set, SP_DEVINFO_DATA& d, const DEVPROPKEY& key) {
  DEVPROPTYPE type = 0;
  DWORD need = 0;
  SetupDiGetDevicePropertyW(set, &d, &key, &type, nullptr, 0, &need, 0);
  if (need == 0) return std::nullopt;
  std::vector<uint8_t> buf(need);
  if (!SetupDiGetDevicePropertyW(set, &d, &key, &type, buf.data(), need, &need, 0) || type != DEVPROP_TYPE_STRING)
    return std::nullopt;
  auto parts = win::split_multi_sz(buf);
  return parts.empty() ? std::string() : parts.front();
}

std::vector<std::string> device_property_strings(HDEVINFO set, SP_DEVINFO_DATA& d, const DEVPROPKEY& key) {
  DEVPROPTYPE type = 0;
  DWORD need = 0;
  SetupDiGetDevicePropertyW(set, &d, &key, &type, nullptr, 0, &need, 0);
  if (need == 0) return {};
  std::vector<uint8_t> buf(need);
  if (!SetupDiGetDevicePropertyW(set, &d, &key, &type, buf.data(), need, &need, 0) ||
      (type != DEVPROP_TYPE_STRING_LIST && type != DEVPROP_TYPE_STRING))
    return {};
  return win::split_multi_sz(buf);
}

}  // namespace

std::vector<DeviceNode> list_device_nodes(const wchar_t* enumerator, std::string& error, bool read_edid) {
  std::vector<DeviceNode> nodes;
  // Not DIGCF_PRESENT: the probe reports what Windows knows, and Wine does not
  // filter registry-only devices by it anyway (docs/WINDOWS.md).
  HDEVINFO set = SetupDiGetClassDevsW(nullptr, enumerator, nullptr, DIGCF_ALLCLASSES);
  if (set == INVALID_HANDLE_VALUE) {
    const DWORD e = GetLastError();
    // An enumerator no device ever used does not exist: nothing to list.
    if (e != ERROR_INVALID_DATA) error = win::error_message(e);
    return nodes;
  }
  for (DWORD i = 0;; ++i) {
    SP_DEVINFO_DATA d{};
    d.cbSize = sizeof d;
    if (!SetupDiEnumDeviceInfo(set, i, &d)) break;
    DeviceNode n;
    wchar_t id[MAX_DEVICE_ID_LEN + 1] = {};
    if (!SetupDiGetDeviceInstanceIdW(set, &d, id, MAX_DEVICE_ID_LEN, nullptr)) continue;
    n.instance_id = win::utf8(id);
    n.hardware_ids = registry_strings(set, d, SPDRP_HARDWAREID);
    n.compatible_ids = registry_strings(set, d, SPDRP_COMPATIBLEIDS);
    // The property route, not SPDRP_LOCATION_PATHS: Wine implements only this one.
    n.location_paths = device_property_strings(set, d, DEVPKEY_Device_LocationPaths);
    n.service = registry_string(set, d, SPDRP_SERVICE);
    n.description = registry_string(set, d, SPDRP_DEVICEDESC);
    n.friendly_name = registry_string(set, d, SPDRP_FRIENDLYNAME);
    n.bus_description = device_property_string(set, d, DEVPKEY_Device_BusReportedDeviceDesc);
    n.parent = device_property_string(set, d, DEVPKEY_Device_Parent).value_or("");
    if (read_edid) {
      HKEY key = SetupDiOpenDevRegKey(set, &d, DICS_FLAG_GLOBAL, 0, DIREG_DEV, KEY_READ);
      if (key != INVALID_HANDLE_VALUE) {
        DWORD type = 0, size = 0;
        if (RegQueryValueExW(key, L"EDID", nullptr, &type, nullptr, &size) == ERROR_SUCCESS && size > 0) {
          std::vector<uint8_t> edid(size);
          if (RegQueryValueExW(key, L"EDID", nullptr, &type, edid.data(), &size) == ERROR_SUCCESS) {
            edid.resize(size);
            n.edid = std::move(edid);
          }
        }
        RegCloseKey(key);
      }
    }
    nodes.push_back(std::move(n));
  }
  SetupDiDestroyDeviceInfoList(set);
  return nodes;
}

}  // namespace telltale::platform::windows_probe
