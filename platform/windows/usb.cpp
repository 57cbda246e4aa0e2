#include "platform/windows/usb.h"

// clang-format off
#include <windows.h>
#include <initguid.h>
#include <setupapi.h>
// clang-format on
extern "C" {  // MinGW's hidsdi.h declares the hid.dll API without C linkage
#include <hidsdi.h>
}

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "platform/common/hash.h"
#include "platform/decode/hid_preparsed.h"
#include "platform/decode/hid_report.h"
#include "platform/decode/text_sanitize.h"
#include "platform/windows/probe_error.h"
#include "platform/windows/setupapi_nodes.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {
namespace {

// kHidInterface ({4D1E55B2-F16F-11CF-88CB-001111000030}); MinGW
// keeps it in a DDK header.
constexpr GUID kHidInterface = {0x4D1E55B2, 0xF16F, 0x11CF, {0x88, 0xCB, 0x00, 0x11, 0x11, 0x00, 0x00, 0x30}};

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](char c) { return char(std::toupper(static_cast<unsigned char>(c))); });
  return s;
}

std::optional<uint32_t> hex_after(const std::string& id, const std::string& key, size_t digits) {
  const auto u = upper(id);
  const auto at = u.find(key);
  if (at == std::string::npos || at + key.size() + digits > u.size()) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = 0; i < digits; ++i) {
    const char c = u[at + key.size() + i];
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 16 + uint32_t(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'A' + 10);
  }
  return v;
}

// "USBSTOR\CdRomLinux___File-CD_Gadget___0100": INQUIRY vendor (8), product
// (16) and revision (4), spaces written as '_'.
std::optional<telltale::v1::ScsiInquiry> inquiry_from_hardware_id(const std::string& id) {
  static const char* const kTypes[] = {"USBSTOR\\Disk", "USBSTOR\\CdRom", "USBSTOR\\Sfloppy", "USBSTOR\\Other"};
  for (const char* type : kTypes) {
    const std::string prefix = type;
    if (id.size() < prefix.size() + 28 || id.compare(0, prefix.size(), prefix) != 0) continue;
    auto field = [&](size_t at, size_t n) {
      std::string s = id.substr(prefix.size() + at, n);
      std::replace(s.begin(), s.end(), '_', ' ');
      while (!s.empty() && s.back() == ' ') s.pop_back();
      return decode::sanitize_utf8(s);
    };
    telltale::v1::ScsiInquiry q;
    q.set_vendor(field(0, 8));
    q.set_model(field(8, 16));
    q.set_revision(field(24, 4));
    return q;
  }
  return std::nullopt;
}

// The serial number is the instance id's last part, unless Windows made one
// up for a device without (those contain '&').
std::optional<std::string> serial_of(const std::string& instance_id) {
  const auto slash = instance_id.rfind('\\');
  if (slash == std::string::npos) return std::nullopt;
  std::string tail = instance_id.substr(slash + 1);
  if (tail.empty() || tail.find('&') != std::string::npos) return std::nullopt;
  return decode::sanitize_utf8(tail);
}

size_t preparsed_size(const uint8_t* p) {
  // Header (44 bytes) → caps → link collections; see decode/hid_preparsed.h.
  auto u16 = [&](size_t at) { return size_t(p[at] | p[at + 1] << 8); };
  return 44 + u16(40) + u16(42) * 16;
}

}  // namespace

UsbIds parse_usb_ids(const std::string& id) {
  UsbIds ids;
  auto vid = hex_after(id, "VID_", 4);
  auto pid = hex_after(id, "PID_", 4);
  if (!vid || !pid) return ids;
  ids.vendor = *vid;
  ids.product = *pid;
  ids.revision = hex_after(id, "REV_", 4).value_or(0);
  if (auto mi = hex_after(id, "&MI_", 2)) ids.interface_number = *mi;
  ids.valid = true;
  return ids;
}

UsbClass parse_usb_class(const std::vector<std::string>& compatible_ids) {
  UsbClass c;
  for (const auto& id : compatible_ids) {
    if (upper(id).find("DEVCLASS_") != std::string::npos) continue;  // the device's class, not an interface's
    auto cls = hex_after(id, "CLASS_", 2);
    if (!cls) continue;
    c.cls = *cls;
    c.subclass = hex_after(id, "SUBCLASS_", 2).value_or(0);
    c.protocol = hex_after(id, "PROT_", 2).value_or(0);
    c.valid = true;
    return c;
  }
  return c;
}

std::string port_path_from_location(const std::string& location) {
  static const std::regex root(R"(USBROOT\((\d+)\))");
  std::smatch m;
  if (!std::regex_search(location, m, root)) return "";
  std::string out = std::to_string(std::stoul(m[1]) + 1);
  static const std::regex port(R"(#USB\((\d+)\))");
  bool first = true;
  for (auto it = std::sregex_iterator(location.begin(), location.end(), port); it != std::sregex_iterator(); ++it) {
    out += (first ? "-" : ".") + (*it)[1].str();
    first = false;
  }
  return first ? "usb" + out : out;
}

std::optional<std::vector<uint8_t>> SystemHidPreparsed::preparsed(const std::string& instance_id, std::string& error) {
  const auto id = win::wide(instance_id);
  HDEVINFO set = SetupDiGetClassDevsW(&kHidInterface, id.c_str(), nullptr, DIGCF_DEVICEINTERFACE | DIGCF_PRESENT);
  if (set == INVALID_HANDLE_VALUE) {
    error = "no HID interface: " + win::error_message(GetLastError());
    return std::nullopt;
  }
  std::optional<std::vector<uint8_t>> result;
  SP_DEVICE_INTERFACE_DATA itf{};
  itf.cbSize = sizeof itf;
  if (!SetupDiEnumDeviceInterfaces(set, nullptr, &kHidInterface, 0, &itf)) {
    error = "no HID interface: " + win::error_message(GetLastError());
  } else {
    DWORD need = 0;
    SetupDiGetDeviceInterfaceDetailW(set, &itf, nullptr, 0, &need, nullptr);
    std::vector<uint8_t> buf(std::max<DWORD>(need, sizeof(SP_DEVICE_INTERFACE_DETAIL_DATA_W)));
    auto* detail = reinterpret_cast<SP_DEVICE_INTERFACE_DETAIL_DATA_W*>(buf.data());
    detail->cbSize = sizeof(SP_DEVICE_INTERFACE_DETAIL_DATA_W);
    if (!SetupDiGetDeviceInterfaceDetailW(set, &itf, detail, need, nullptr, nullptr)) {
      error = "interface path: " + win::error_message(GetLastError());
    } else {
      // No access rights needed for the preparsed data (keyboards and mice
      // are opened exclusively by Windows).
      HANDLE h = CreateFileW(detail->DevicePath, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0, nullptr);
      if (h == INVALID_HANDLE_VALUE) {
        error = "open: " + win::error_message(GetLastError());
      } else {
        PHIDP_PREPARSED_DATA pp = nullptr;
        if (HidD_GetPreparsedData(h, &pp) && pp) {
          const auto* bytes = reinterpret_cast<const uint8_t*>(pp);
          result.emplace(bytes, bytes + preparsed_size(bytes));
          HidD_FreePreparsedData(pp);
        } else {
          error = "HidD_GetPreparsedData: " + win::error_message(GetLastError());
        }
        CloseHandle(h);
      }
    }
  }
  SetupDiDestroyDeviceInfoList(set);
  return result;
}

void UsbProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  std::string error;
  auto usb = list_device_nodes(L"USB", error);
  if (!error.empty()) add_error(out, "usb", "SetupDiGetClassDevs(USB)", error);
  error.clear();
  auto hid = list_device_nodes(L"HID", error);
  if (!error.empty()) add_error(out, "usb", "SetupDiGetClassDevs(HID)", error);
  error.clear();
  auto stor = list_device_nodes(L"USBSTOR", error);
  if (!error.empty()) add_error(out, "usb", "SetupDiGetClassDevs(USBSTOR)", error);

  // Devices first, then their interfaces, then what hangs off interfaces.
  std::map<std::string, telltale::v1::UsbDevice*> device_by_instance;
  std::map<std::string, telltale::v1::UsbInterface*> interface_by_instance;
  std::map<std::string, std::string> port_by_instance;
  std::vector<const DeviceNode*> interfaces;
  int root_hubs = 0;
  for (const auto& n : usb) {
    const auto u = upper(n.instance_id);
    const bool root_hub = u.rfind("USB\\ROOT_HUB", 0) == 0;
    const auto ids = parse_usb_ids(n.hardware_ids.empty() ? n.instance_id : n.hardware_ids.front());
    if (!root_hub && !ids.valid) continue;
    if (ids.interface_number) {
      interfaces.push_back(&n);
      continue;
    }
    auto* d = out.add_usb_devices();
    std::string port;
    for (const auto& loc : n.location_paths)
      if (port.empty()) port = port_path_from_location(loc);
    if (root_hub) {
      d->set_root_hub(true);
      if (port.empty()) port = "usb" + std::to_string(++root_hubs);
    }
    if (port.empty()) port = decode::sanitize_utf8(n.instance_id);
    d->set_port_path(port);
    port_by_instance[u] = port;
    d->set_vendor_id(ids.vendor);
    d->set_product_id(ids.product);
    d->set_bcd_device(ids.revision);
    if (n.bus_description) d->set_product(decode::sanitize_utf8(*n.bus_description));
    if (!root_hub)
      if (auto serial = serial_of(n.instance_id)) d->set_serial(*serial);
    for (const auto& c : n.compatible_ids) {
      if (auto cls = hex_after(c, "DEVCLASS_", 2)) {
        d->set_device_class(*cls);
        d->set_device_subclass(hex_after(c, "SUBCLASS_", 2).value_or(0));
        d->set_device_protocol(hex_after(c, "PROT_", 2).value_or(0));
        break;
      }
    }
    d->set_removable("unknown");
    device_by_instance[u] = d;
    // A single-interface device is its own interface 0 on Windows: its
    // compatible ids carry the interface class, its service the driver.
    const auto cls = parse_usb_class(n.compatible_ids);
    if (!root_hub && cls.valid) {
      auto* itf = d->add_interfaces();
      itf->set_name(port + ":1.0");
      itf->set_number(0);
      itf->set_interface_class(cls.cls);
      itf->set_interface_subclass(cls.subclass);
      itf->set_interface_protocol(cls.protocol);
      itf->set_driver(decode::sanitize_utf8(n.service));
      interface_by_instance[u] = itf;
    }
  }
  for (const auto& [instance, d] : device_by_instance) {
    (void)d;
    for (const auto& n : usb)
      if (upper(n.instance_id) == instance && !n.parent.empty()) {
        auto it = port_by_instance.find(upper(n.parent));
        if (it != port_by_instance.end()) d->set_parent_port_path(it->second);
      }
  }
  for (const auto* n : interfaces) {
    const auto ids = parse_usb_ids(n->instance_id);
    telltale::v1::UsbDevice* d = nullptr;
    if (auto it = device_by_instance.find(upper(n->parent)); it != device_by_instance.end()) d = it->second;
    if (!d) {
      add_error(out, "usb", n->instance_id, "interface whose parent device \"" + decode::printable(n->parent) + "\" is not listed");
      continue;
    }
    auto* itf = d->add_interfaces();
    itf->set_name(d->port_path() + ":1." + std::to_string(*ids.interface_number));
    itf->set_number(*ids.interface_number);
    const auto cls = parse_usb_class(n->compatible_ids);
    itf->set_interface_class(cls.cls);
    itf->set_interface_subclass(cls.subclass);
    itf->set_interface_protocol(cls.protocol);
    itf->set_driver(decode::sanitize_utf8(n->service));
    if (n->bus_description) itf->set_interface_string(decode::sanitize_utf8(*n->bus_description));
    interface_by_instance[upper(n->instance_id)] = itf;
  }
  for (const auto& n : hid) {
    auto it = interface_by_instance.find(upper(n.parent));
    if (it == interface_by_instance.end()) continue;  // not on USB (I2C, Bluetooth, virtual)
    std::string why;
    auto pp = hid_.preparsed(n.instance_id, why);
    telltale::v1::HidSummary summary;
    if (pp) {
      auto rebuilt = decode::reconstruct_hid_descriptor(*pp);
      if (rebuilt.error.empty()) {
        summary = decode::summarize_hid_report(rebuilt.descriptor);
      } else {
        add_error(out, "usb", n.instance_id, rebuilt.error);
        summary.set_parse_error(rebuilt.error);
      }
    } else {
      add_error(out, "usb", n.instance_id, "preparsed data unavailable: " + why);
      summary.set_parse_error("preparsed data unavailable: " + why);
    }
    summary.set_hid_id(decode::sanitize_utf8(n.instance_id));
    *it->second->add_hid() = std::move(summary);
  }
  for (const auto& n : stor) {
    auto it = interface_by_instance.find(upper(n.parent));
    if (it == interface_by_instance.end()) continue;
    for (const auto& hw : n.hardware_ids)
      if (auto q = inquiry_from_hardware_id(hw)) {
        *it->second->add_storage() = std::move(*q);
        break;
      }
  }
  // Interfaces in number order, as on Linux.
  for (auto& d : *out.mutable_usb_devices()) {
    auto* itfs = d.mutable_interfaces();
    std::sort(itfs->begin(), itfs->end(), [](const auto& a, const auto& b) { return a.number() < b.number(); });
  }
}

}  // namespace telltale::platform::windows_probe
