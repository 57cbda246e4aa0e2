#include "platform/windows/displays.h"

#include <windows.h>

#include <algorithm>
#include <cctype>

#include "platform/decode/edid.h"
#include "platform/decode/text_sanitize.h"
#include "platform/windows/probe_error.h"
#include "platform/windows/setupapi_nodes.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {
namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](char c) { return char(std::toupper(static_cast<unsigned char>(c))); });
  return s;
}

std::string technology_name(DISPLAYCONFIG_VIDEO_OUTPUT_TECHNOLOGY t) {
  switch (t) {
    case DISPLAYCONFIG_OUTPUT_TECHNOLOGY_HD15: return "VGA";
    case DISPLAYCONFIG_OUTPUT_TECHNOLOGY_DVI: return "DVI";
    case DISPLAYCONFIG_OUTPUT_TECHNOLOGY_HDMI: return "HDMI-A";
    case DISPLAYCONFIG_OUTPUT_TECHNOLOGY_LVDS: return "LVDS";
    case DISPLAYCONFIG_OUTPUT_TECHNOLOGY_DISPLAYPORT_EXTERNAL: return "DP";
    case DISPLAYCONFIG_OUTPUT_TECHNOLOGY_DISPLAYPORT_EMBEDDED: return "eDP";
    case DISPLAYCONFIG_OUTPUT_TECHNOLOGY_UDI_EMBEDDED: return "UDI";
    case DISPLAYCONFIG_OUTPUT_TECHNOLOGY_MIRACAST: return "Miracast";
    case DISPLAYCONFIG_OUTPUT_TECHNOLOGY_INTERNAL: return "internal";
    default: return "other";
  }
}

// "\\?\DISPLAY#LNX0000#5&1a2b3c&0&UID4352#{e6f07b5f-…}" → "DISPLAY\LNX0000\5&1A2B3C&0&UID4352"
std::string instance_from_device_path(std::string path) {
  if (path.rfind("\\\\?\\", 0) == 0) path = path.substr(4);
  if (auto guid = path.rfind("#{"); guid != std::string::npos) path.resize(guid);
  std::replace(path.begin(), path.end(), '#', '\\');
  return upper(path);
}

}  // namespace

std::vector<DisplayTarget> SystemDisplayTopology::targets(std::string& error) {
  std::vector<DisplayTarget> out;
  UINT32 paths = 0, modes = 0;
  LONG s = GetDisplayConfigBufferSizes(QDC_ALL_PATHS, &paths, &modes);
  if (s != ERROR_SUCCESS) {
    error = "GetDisplayConfigBufferSizes: " + win::error_message(uint32_t(s));
    return out;
  }
  std::vector<DISPLAYCONFIG_PATH_INFO> path_info(paths);
  std::vector<DISPLAYCONFIG_MODE_INFO> mode_info(modes);
  s = QueryDisplayConfig(QDC_ALL_PATHS, &paths, path_info.data(), &modes, mode_info.data(), nullptr);
  if (s != ERROR_SUCCESS) {
    error = "QueryDisplayConfig: " + win::error_message(uint32_t(s));
    return out;
  }
  path_info.resize(paths);
  for (const auto& p : path_info) {
    if (!p.targetInfo.targetAvailable) continue;
    DISPLAYCONFIG_TARGET_DEVICE_NAME name{};
    name.header.type = DISPLAYCONFIG_DEVICE_INFO_GET_TARGET_NAME;
    name.header.size = sizeof name;
    name.header.adapterId = p.targetInfo.adapterId;
    name.header.id = p.targetInfo.id;
    if (DisplayConfigGetDeviceInfo(&name.header) != ERROR_SUCCESS) continue;
    DisplayTarget t;
    t.instance_id = instance_from_device_path(win::utf8(name.monitorDevicePath));
    t.connector_type = technology_name(name.outputTechnology);
    t.internal = name.outputTechnology == DISPLAYCONFIG_OUTPUT_TECHNOLOGY_INTERNAL ||
                 name.outputTechnology == DISPLAYCONFIG_OUTPUT_TECHNOLOGY_DISPLAYPORT_EMBEDDED ||
                 name.outputTechnology == DISPLAYCONFIG_OUTPUT_TECHNOLOGY_LVDS ||
                 name.outputTechnology == DISPLAYCONFIG_OUTPUT_TECHNOLOGY_UDI_EMBEDDED;
    t.active = (p.flags & DISPLAYCONFIG_PATH_ACTIVE) != 0;
    // QDC_ALL_PATHS lists a target once per source it could show; keep one,
    // active if any is.
    auto same = std::find_if(out.begin(), out.end(), [&](const DisplayTarget& o) { return o.instance_id == t.instance_id; });
    if (same == out.end()) out.push_back(t);
    else same->active = same->active || t.active;
  }
  return out;
}

void DisplaysProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  std::string error;
  const auto monitors = list_device_nodes(L"DISPLAY", error, /*read_edid=*/true);
  if (!error.empty()) add_error(out, "displays", "SetupDiGetClassDevs(DISPLAY)", error);
  std::string topology_error;
  const auto targets = topology_.targets(topology_error);
  if (!topology_error.empty()) add_error(out, "displays", "QueryDisplayConfig", topology_error);
  for (const auto& m : monitors) {
    auto* d = out.add_displays();
    d->set_connector(decode::sanitize_utf8(m.instance_id));
    const auto id = upper(m.instance_id);
    auto t = std::find_if(targets.begin(), targets.end(), [&](const DisplayTarget& x) { return x.instance_id == id; });
    if (t != targets.end()) {
      d->set_connector_type(t->connector_type);
      d->set_internal(t->internal);
      d->set_status(t->active ? "connected" : "disconnected");
      d->set_enabled(t->active);
    } else {
      d->set_status(topology_error.empty() ? "disconnected" : "unknown");
    }
    if (m.edid) {
      d->set_edid_raw(std::string(m.edid->begin(), m.edid->end()));
      *d->mutable_edid() = decode::decode_edid(*m.edid);
      if (!d->edid().valid())
        add_error(out, "displays", "HKLM\\SYSTEM\\CurrentControlSet\\Enum\\" + d->connector() + "\\Device Parameters\\EDID",
                  d->edid().error());
    }
  }
}

}  // namespace telltale::platform::windows_probe
