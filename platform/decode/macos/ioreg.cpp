#include "platform/decode/macos/ioreg.h"

#include <algorithm>
#include <cstdio>

#include "platform/decode/edid.h"
#include "platform/decode/hid_report.h"

namespace telltale::decode::macos {
namespace {

const std::vector<PlistValue> kNoChildren;

std::string hex4(uint64_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04X", static_cast<unsigned>(v & 0xFFFF));
  return buf;
}

std::string label(const PlistValue& node) { return ioreg_class(node) + " \"" + ioreg_name(node) + "\""; }

uint32_t u32(const PlistValue& node, std::string_view key) {
  auto v = node.int_at(key);
  return v ? static_cast<uint32_t>(*v) : 0;
}

std::optional<std::string> first_string(const PlistValue& node, std::initializer_list<std::string_view> keys) {
  for (auto k : keys)
    if (auto s = node.string_at(k)) return s;
  return std::nullopt;
}

// "Device Speed": 0 low, 1 full, 2 high, 3 super, 4 super+ (IOUSBHostFamily).
std::string speed_mbps(const PlistValue& node) {
  auto v = node.int_at("Device Speed");
  if (!v) v = node.int_at("USBSpeed");
  if (!v) return "";
  switch (*v) {
    case 0: return "1.5";
    case 1: return "12";
    case 2: return "480";
    case 3: return "5000";
    case 4: return "10000";
    default: return "";
  }
}

bool is_interface(const PlistValue& node) {
  return ioreg_class(node) == "IOUSBHostInterface" || (node.get("bInterfaceNumber") && !node.get("idProduct"));
}

bool is_usb_device(const PlistValue& node) {
  auto cls = ioreg_class(node);
  return cls == "IOUSBHostDevice" || cls == "IOUSBDevice" || (node.get("idVendor") && node.get("idProduct") && !is_interface(node));
}

telltale::v1::HidSummary summarize(const std::vector<uint8_t>& descriptor, const std::string& hid_id) {
  auto h = summarize_hid_report(descriptor);
  h.set_hid_id(hid_id);
  return h;
}

void fill_interface(const PlistValue& itf, const std::string& port, const telltale::v1::UsbDevice& dev,
                    telltale::v1::UsbInterface& out, IoregDecoded& diag, int& hid_counter) {
  out.set_number(u32(itf, "bInterfaceNumber"));
  out.set_alternate_setting(u32(itf, "bAlternateSetting"));
  out.set_interface_class(u32(itf, "bInterfaceClass"));
  out.set_interface_subclass(u32(itf, "bInterfaceSubClass"));
  out.set_interface_protocol(u32(itf, "bInterfaceProtocol"));
  out.set_num_endpoints(u32(itf, "bNumEndpoints"));
  out.set_name(port + ":1." + std::to_string(out.number()));
  if (auto s = itf.string_at("kUSBString")) out.set_interface_string(*s);
  const auto& kids = ioreg_children(itf);
  for (const auto& k : kids) {
    auto cls = ioreg_class(k);
    if (cls.find("UserClient") == std::string::npos) {
      out.set_driver(cls);
      break;
    }
  }
  for (const auto& k : kids) {
    ioreg_walk(k, [&](const PlistValue& n) {
      if (const auto* rd = n.get("ReportDescriptor")) {
        if (const auto* bytes = rd->as_data()) {
          char id[32];
          std::snprintf(id, sizeof id, "0003:%s:%s.%04d", hex4(dev.vendor_id()).c_str(), hex4(dev.product_id()).c_str(),
                        ++hid_counter);
          *out.add_hid() = summarize(*bytes, id);
          return false;  // the event drivers below repeat the descriptor
        }
        diag.errors.push_back(label(n) + ": ReportDescriptor is not data");
      }
      // IOSCSIPeripheralDeviceNub and friends publish the INQUIRY strings.
      auto vendor = n.string_at("Vendor Identification");
      auto product = n.string_at("Product Identification");
      if (vendor || product) {
        auto trim = [](std::string s) {
          while (!s.empty() && s.back() == ' ') s.pop_back();
          return s;
        };
        auto* lun = out.add_storage();
        lun->set_vendor(trim(vendor.value_or("")));
        lun->set_model(trim(product.value_or("")));
        lun->set_revision(trim(n.string_at("Product Revision Level").value_or("")));
        return false;
      }
      return true;
    });
  }
}

void collect_usb(const PlistValue& node, const std::string& parent_port, std::vector<telltale::v1::UsbDevice>& out,
                 IoregDecoded& diag, int& hid_counter) {
  if (!is_usb_device(node)) {
    for (const auto& k : ioreg_children(node)) collect_usb(k, parent_port, out, diag, hid_counter);
    return;
  }
  telltale::v1::UsbDevice d;
  auto location = node.int_at("locationID");
  std::string port = location ? usb_port_path_from_location(static_cast<uint64_t>(*location)) : "";
  if (port.empty()) {
    diag.errors.push_back(label(node) + ": no locationID, port path unknown");
    port = "unknown-" + std::to_string(out.size());
  }
  d.set_port_path(port);
  d.set_parent_port_path(parent_port);
  d.set_busnum(location ? static_cast<uint32_t>((static_cast<uint64_t>(*location) >> 24) & 0xFF) : 0);
  d.set_devnum(static_cast<uint32_t>(node.int_at("USB Address").value_or(node.int_at("kUSBAddress").value_or(0))));
  d.set_vendor_id(u32(node, "idVendor"));
  d.set_product_id(u32(node, "idProduct"));
  if (auto s = first_string(node, {"kUSBVendorString", "USB Vendor Name"})) d.set_manufacturer(*s);
  if (auto s = first_string(node, {"kUSBProductString", "USB Product Name"})) d.set_product(*s);
  if (auto s = first_string(node, {"kUSBSerialNumberString", "USB Serial Number"})) d.set_serial(*s);
  d.set_device_class(u32(node, "bDeviceClass"));
  d.set_device_subclass(u32(node, "bDeviceSubClass"));
  d.set_device_protocol(u32(node, "bDeviceProtocol"));
  d.set_bcd_device(u32(node, "bcdDevice"));
  if (auto bcd = node.int_at("bcdUSB")) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%x.%02x", static_cast<unsigned>((*bcd >> 8) & 0xFF), static_cast<unsigned>(*bcd & 0xFF));
    d.set_usb_version(buf);
  }
  d.set_speed_mbps(speed_mbps(node));
  if (auto p = node.int_at("UsbPowerSinkAllocation")) d.set_max_power_ma(static_cast<uint32_t>(*p));
  else if (auto p2 = node.int_at("Bus Power Available")) d.set_max_power_ma(static_cast<uint32_t>(*p2) * 2);
  auto builtin = node.bool_at("Built-In");
  d.set_removable(builtin ? (*builtin ? "fixed" : "removable") : "unknown");
  for (const auto& k : ioreg_children(node)) {
    if (is_interface(k)) fill_interface(k, port, d, *d.add_interfaces(), diag, hid_counter);
  }
  std::sort(d.mutable_interfaces()->begin(), d.mutable_interfaces()->end(),
            [](const auto& a, const auto& b) { return a.number() < b.number(); });
  out.push_back(std::move(d));
  // Devices behind a hub hang below it (or below one of its interfaces).
  for (const auto& k : ioreg_children(node)) {
    if (is_interface(k)) {
      for (const auto& kk : ioreg_children(k)) collect_usb(kk, port, out, diag, hid_counter);
    } else {
      collect_usb(k, port, out, diag, hid_counter);
    }
  }
}

uint32_t bus_of_transport(const std::string& transport) {
  if (transport == "USB") return 0x03;
  if (transport == "Bluetooth" || transport == "Bluetooth Low Energy") return 0x05;
  if (transport == "Virtual") return 0x06;
  if (transport == "I2C") return 0x18;
  if (transport == "SPI") return 0x1C;
  return 0;  // FIFO (Apple silicon internal keyboard), AID, unknown
}

bool usage_pair(const PlistValue& node, int64_t page, int64_t usage) {
  if (node.int_at("PrimaryUsagePage") == page && node.int_at("PrimaryUsage") == usage) return true;
  const auto* pairs = node.get("DeviceUsagePairs");
  if (!pairs || pairs->kind != PlistValue::Kind::kArray) return false;
  return std::any_of(pairs->array.begin(), pairs->array.end(), [&](const PlistValue& p) {
    return p.int_at("DeviceUsagePage") == page && p.int_at("DeviceUsage") == usage;
  });
}

}  // namespace

std::string ioreg_class(const PlistValue& node) { return node.string_at("IOObjectClass").value_or(""); }
std::string ioreg_name(const PlistValue& node) { return node.string_at("IORegistryEntryName").value_or(""); }

const std::vector<PlistValue>& ioreg_children(const PlistValue& node) {
  const auto* c = node.get("IORegistryEntryChildren");
  return c && c->kind == PlistValue::Kind::kArray ? c->array : kNoChildren;
}

void ioreg_walk(const PlistValue& node, const std::function<bool(const PlistValue&)>& visit) {
  if (!visit(node)) return;
  for (const auto& k : ioreg_children(node)) ioreg_walk(k, visit);
}

std::vector<const PlistValue*> ioreg_roots(const PlistValue& answer) {
  std::vector<const PlistValue*> roots;
  if (answer.kind == PlistValue::Kind::kArray) {
    for (const auto& v : answer.array)
      if (v.kind == PlistValue::Kind::kDict) roots.push_back(&v);
  } else if (answer.kind == PlistValue::Kind::kDict) {
    roots.push_back(&answer);
  }
  return roots;
}

std::string usb_port_path_from_location(uint64_t location_id) {
  const uint32_t loc = static_cast<uint32_t>(location_id);
  const uint32_t bus = loc >> 24;
  std::string path = std::to_string(bus) + "-";
  bool any = false;
  for (int shift = 20; shift >= 0; shift -= 4) {
    uint32_t port = (loc >> shift) & 0xF;
    if (port == 0) break;
    path += (any ? "." : "") + std::to_string(port);
    any = true;
  }
  return any ? path : "usb" + std::to_string(bus);
}

std::vector<telltale::v1::UsbDevice> usb_devices_from_ioreg(const PlistValue& answer, IoregDecoded& diag) {
  std::vector<telltale::v1::UsbDevice> out;
  int hid_counter = 0;
  for (const auto* root : ioreg_roots(answer)) collect_usb(*root, "", out, diag, hid_counter);
  // `-r -c IOUSBHostDevice` also lists each nested device as its own root: keep the first.
  std::vector<telltale::v1::UsbDevice> unique;
  for (auto& d : out) {
    bool seen = std::any_of(unique.begin(), unique.end(), [&](const auto& u) { return u.port_path() == d.port_path(); });
    if (!seen) unique.push_back(std::move(d));
  }
  std::sort(unique.begin(), unique.end(), [](const auto& a, const auto& b) { return a.port_path() < b.port_path(); });
  return unique;
}

std::vector<telltale::v1::InputDevice> input_devices_from_ioreg(const PlistValue& answer, IoregDecoded& diag) {
  std::vector<telltale::v1::InputDevice> out;
  for (const auto* root : ioreg_roots(answer)) {
    const PlistValue& n = *root;
    telltale::v1::InputDevice d;
    const std::string cls = ioreg_class(n);
    const std::string transport = n.string_at("Transport").value_or("");
    d.set_name(n.string_at("Product").value_or(ioreg_name(n)));
    d.set_bus(bus_of_transport(transport));
    d.set_vendor(u32(n, "VendorID"));
    d.set_product(u32(n, "ProductID"));
    d.set_version(u32(n, "VersionNumber"));
    d.set_phys(transport);
    d.set_sysfs("IOService:" + cls + "/" + ioreg_name(n));
    if (auto s = n.string_at("SerialNumber")) d.set_uniq(*s);
    d.set_virtual_device(cls == "IOHIDUserDevice" || transport == "Virtual");
    if (transport == "USB")
      if (auto loc = n.int_at("LocationID")) d.set_usb_port_path(usb_port_path_from_location(static_cast<uint64_t>(*loc)));
    bool keyboard = usage_pair(n, 1, 6), relative = usage_pair(n, 1, 2), absolute = false, touchpad = usage_pair(n, 0x0d, 5),
         touchscreen = usage_pair(n, 0x0d, 4);
    if (const auto* rd = n.get("ReportDescriptor")) {
      if (const auto* bytes = rd->as_data()) {
        auto h = summarize_hid_report(*bytes);
        if (!h.parse_error().empty()) diag.errors.push_back(label(n) + ": ReportDescriptor: " + h.parse_error());
        keyboard = keyboard || h.keyboard();
        relative = relative || h.relative_pointer();
        absolute = h.absolute_pointer();
        touchpad = touchpad || h.touchpad();
        touchscreen = touchscreen || (h.digitizer() && !h.touchpad() && h.absolute_pointer());
      } else {
        diag.errors.push_back(label(n) + ": ReportDescriptor is not data");
      }
    }
    d.set_keyboard(keyboard);
    d.set_has_keys(keyboard);
    d.set_has_relative(relative || touchpad);
    d.set_has_absolute(absolute);
    d.set_touchpad(touchpad);
    d.set_touchscreen(touchscreen);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<telltale::v1::Display> displays_from_ioreg(const PlistValue& answer, bool lid_closed, IoregDecoded& diag) {
  std::vector<telltale::v1::Display> out;
  for (const auto* root : ioreg_roots(answer)) {
    std::string connector = ioreg_name(*root);
    ioreg_walk(*root, [&](const PlistValue& n) {
      const PlistValue* edid = n.get("IODisplayEDID");
      if (!edid) edid = n.get("EDID");
      if (!edid) {
        // Apple silicon keeps the EDID inside DisplayAttributes on some releases.
        if (const auto* attrs = n.get("DisplayAttributes")) edid = attrs->get("EDID");
      }
      if (!edid) return true;
      telltale::v1::Display d;
      const std::string cls = ioreg_class(n);
      d.set_connector(connector.empty() ? ioreg_name(n) : connector);
      bool internal = cls == "AppleBacklightDisplay" || n.bool_at("built-in").value_or(false) ||
                      n.bool_at("external") == std::optional<bool>(false);
      d.set_internal(internal);
      d.set_connector_type(internal ? "built-in" : "external");
      d.set_status("connected");
      d.set_enabled(!(internal && lid_closed));
      if (const auto* bytes = edid->as_data()) {
        d.set_edid_raw(std::string(bytes->begin(), bytes->end()));
        *d.mutable_edid() = decode_edid(*bytes);
        if (!d.edid().valid()) diag.errors.push_back(label(n) + ": EDID: " + d.edid().error());
      } else {
        diag.errors.push_back(label(n) + ": EDID is not data");
      }
      out.push_back(std::move(d));
      return false;
    });
  }
  return out;
}

std::optional<bool> clamshell_closed_from_ioreg(const PlistValue& answer) {
  std::optional<bool> closed;
  for (const auto* root : ioreg_roots(answer))
    ioreg_walk(*root, [&](const PlistValue& n) {
      if (auto v = n.bool_at("AppleClamshellState")) {
        closed = *v;
        return false;
      }
      return !closed.has_value();
    });
  return closed;
}

}  // namespace telltale::decode::macos
