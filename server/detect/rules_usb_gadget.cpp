// USB structure that real keyboards and mice never have, which a KVM that
// copies a real keyboard's identity (ids, strings) still shows: HID, mass
// storage and a network function in one device, the report descriptor layouts
// the KVM projects give their Linux gadget byte for byte, the gadget
// framework's defaults (bcdDevice, MaxPower, placeholder serials), and KVM
// names written any way (case, padding, punctuation). Titles, severities and
// sources live in the catalog's [[indicator]] entries.
#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <string_view>

#include "server/detect/rules.h"

namespace telltale::detect {
namespace {

using telltale::v1::UsbDevice;

telltale::v1::Indicator& add(const RuleInput& in, Findings& out, std::string_view id, double confidence) {
  const IndicatorEntry* e = in.catalog.find_indicator(id);
  // The catalog test proves every id here has an entry; a trimmed custom
  // catalog still gets a finding, named by its id.
  if (!e) return out.add(id, id, "medium", confidence, "structure");
  auto& ind = out.add(e->id, e->title, e->severity, confidence, "structure");
  return ind;
}

bool is_network_interface(const telltale::v1::UsbInterface& itf) {
  const uint32_t c = itf.interface_class(), sub = itf.interface_subclass(), proto = itf.interface_protocol();
  // CDC ECM (6), NCM (0x0d), EEM (0x0c), ACM-as-RNDIS (2 with vendor protocol 0xff);
  // RNDIS as Wireless Controller 0xe0/1/3 or Misc 0xef/4.
  return (c == 2 && (sub == 6 || sub == 0x0d || sub == 0x0c || (sub == 2 && proto == 0xff))) ||
         (c == 0xe0 && sub == 1 && proto == 3) || (c == 0xef && sub == 4);
}

void class_combination(const RuleInput& in, Findings& out, const UsbDevice& d) {
  bool hid = false, storage = false, network = false;
  std::string network_kind;
  for (const auto& itf : d.interfaces()) {
    hid = hid || itf.interface_class() == 3;
    storage = storage || itf.interface_class() == 8;
    if (is_network_interface(itf)) {
      network = true;
      if (network_kind.empty()) {
        const uint32_t sub = itf.interface_subclass();
        network_kind = itf.interface_class() != 2 ? "RNDIS" : sub == 6 ? "CDC ECM" : sub == 0x0d ? "CDC NCM" : sub == 0x0c ? "CDC EEM" : "RNDIS";
      }
    }
  }
  if (!(hid && storage && network)) return;
  auto& ind = add(in, out, "usb.hid_storage_network", 0.9);
  Findings::fact(ind, "usb " + d.port_path(),
                 usb_label(d) + " is at once a keyboard/mouse (HID), a USB drive (mass storage) and a " + network_kind +
                     " network adapter");
}

void gadget_layouts(const RuleInput& in, Findings& out, const UsbDevice& d) {
  for (const auto& itf : d.interfaces())
    for (const auto& h : itf.hid()) {
      const HidLayout* layout = in.catalog.find_hid_layout(h.descriptor_sha256());
      if (!layout) continue;
      auto& ind = add(in, out, "usb.gadget_hid_layout", 0.9);
      Findings::fact(ind, "usb " + itf.name(),
                     usb_label(d) + ": its report descriptor is byte for byte the one " + layout->vendor +
                         " gives its USB gadget (" + layout->description + "; catalog " + layout->id + ")");
    }
}

// bcdDevice as the kernel's composite framework fills it when the gadget sets
// none: BCD of the running kernel's major.minor (get_default_bcdDevice), 3.x–6.x.
bool kernel_version_bcd(uint32_t bcd) {
  const uint32_t major = bcd >> 8, minor = bcd & 0xFF;
  auto bcd_ok = [](uint32_t v) { return (v >> 4) <= 9 && (v & 0xF) <= 9; };
  return bcd <= 0xFFFF && major >= 3 && major <= 6 && bcd_ok(minor) && minor <= 0x19;
}

void gadget_defaults(const RuleInput& in, Findings& out, const UsbDevice& d) {
  bool input = false;
  for (const auto& itf : d.interfaces()) input = input || itf.interface_class() == 3;
  if (!input) return;
  std::vector<std::string> traits;
  char buf[128];
  if (kernel_version_bcd(d.bcd_device())) {
    std::snprintf(buf, sizeof buf, "release %x.%02x, the form the Linux gadget framework gives a gadget by default (kernel %x.%x)",
                  d.bcd_device() >> 8, d.bcd_device() & 0xFF, d.bcd_device() >> 8, d.bcd_device() & 0xFF);
    traits.emplace_back(buf);
  }
  // Linux's CONFIG_USB_GADGET_VBUS_DRAW default (2 mA) when a gadget sets no
  // MaxPower, and the values KVM gadget scripts write (JetKVM 250, NanoKVM 200,
  // 120 in several DIY guides). Keyboards draw around 100 mA or less.
  const uint32_t ma = d.max_power_ma();
  if (ma == 2 || ma == 120 || ma == 200 || ma == 250) traits.push_back("draws " + std::to_string(ma) + " mA, a gadget script's value");
  static constexpr std::array<std::string_view, 4> kPlaceholderSerials{"cafebabe", "0123456789abcdef", "0123456789", "deadbeef"};
  const std::string serial = lower(d.serial());
  if (d.has_serial() && std::find(kPlaceholderSerials.begin(), kPlaceholderSerials.end(), serial) != kPlaceholderSerials.end())
    traits.push_back("serial number \"" + d.serial() + "\", a gadget placeholder");
  if (traits.size() < 2) return;  // one alone is common enough on real devices
  auto& ind = add(in, out, "usb.gadget_defaults", std::min(0.9, 0.3 + 0.2 * static_cast<double>(traits.size())));
  std::string joined;
  for (const auto& t : traits) joined += (joined.empty() ? "" : "; ") + t;
  Findings::fact(ind, "usb " + d.port_path(), usb_label(d) + ": " + joined);
}

// Letters and digits only, lower case: "Pi-KVM", "PIKVM\0\0", " pikvm " all read "pikvm".
std::string compact(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(static_cast<char>(c));
  }
  return out;
}

struct NameToken {
  std::string_view token;  // compact form
  std::string_view who;
};

// The KVM-over-IP projects' and makers' names as a family. Desk KVM switches
// (ATEN, Belkin "KVM switch") are not in it: they are a person's own desk.
constexpr std::array<NameToken, 9> kKvmNames{{
    {"pikvm", "PiKVM"},
    {"tinypilot", "TinyPilot"},
    {"jetkvm", "JetKVM"},
    {"nanokvm", "Sipeed NanoKVM"},
    {"glkvm", "GL.iNet Comet (GLKVM)"},
    {"blikvm", "BliKVM"},
    {"kvmoverip", "a KVM over IP"},
    {"ipkvm", "an IP-KVM"},
    {"usbemulationdevice", "JetKVM (its gadget's product string)"},
}};

void kvm_names(const RuleInput& in, Findings& out, const UsbDevice& d) {
  for (const std::string* text : {&d.manufacturer(), &d.product()}) {
    const std::string c = compact(*text);
    for (const auto& n : kKvmNames) {
      if (c.find(n.token) == std::string::npos) continue;
      auto& ind = add(in, out, "usb.kvm_name", 0.85);
      Findings::fact(ind, "usb " + d.port_path(), usb_label(d) + ": the string \"" + *text + "\" names " + std::string(n.who));
      return;
    }
  }
}

}  // namespace

void usb_gadget_rules(const RuleInput& in, Findings& out) {
  for (const auto& d : in.snap.usb_devices()) {
    if (d.root_hub()) continue;
    class_combination(in, out, d);
    gadget_layouts(in, out, d);
    gadget_defaults(in, out, d);
    kvm_names(in, out, d);
  }
}

}  // namespace telltale::detect
