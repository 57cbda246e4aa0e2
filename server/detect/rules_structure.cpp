// Rules on the shape of what is attached, which survive spoofed IDs: a USB
// device that is a keyboard and an absolute pointer at once, Linux gadget
// traces, EDIDs no monitor maker would ship, an external display driving a
// closed laptop, injected or machine-regular input, remote sessions from far
// away, a VM where a laptop should be.
#include <algorithm>
#include <cmath>
#include <set>

#include "server/detect/rules.h"

namespace telltale::detect {
namespace {

using telltale::v1::UsbDevice;

struct UsbShape {
  bool keyboard = false;
  bool kvm_pointer = false;      // absolute X/Y that is not a touchscreen or pen digitizer
  bool kvm_range = false;        // the 0..32767 range KVM gadgets use
  bool storage = false;
  bool network = false;
  std::vector<std::string> facts;
};

UsbShape shape_of(const UsbDevice& d) {
  UsbShape s;
  // A pen in the device (a pen or display tablet, whose express keys can be a
  // keyboard) makes its touch surface a tablet's, not a pointer in disguise.
  bool pen = false;
  for (const auto& itf : d.interfaces())
    for (const auto& h : itf.hid()) pen = pen || h.pen_pressure();
  for (const auto& itf : d.interfaces()) {
    uint32_t c = itf.interface_class(), sub = itf.interface_subclass(), proto = itf.interface_protocol();
    if (c == 3 && sub == 1 && proto == 1) s.keyboard = true;
    if (c == 8) s.storage = true;
    // CDC ECM/NCM/EEM, CDC data, RNDIS (wireless controller or misc class).
    if ((c == 2 && (sub == 6 || sub == 0x0d || sub == 0x0c || sub == 2)) || c == 0x0a || (c == 0xe0 && sub == 1 && proto == 3) ||
        (c == 0xef && sub == 4))
      s.network = true;
    for (const auto& h : itf.hid()) {
      if (h.keyboard()) s.keyboard = true;
      // Gamepad sticks never count (the decoder leaves them out of
      // absolute_pointer): an analog gaming keyboard is keyboard + gamepad.
      const bool plain_absolute = h.absolute_pointer() && !h.digitizer() && !h.touchpad();
      // A finger on a "touch screen" without any pen is how a KVM can declare
      // its absolute pointer as a digitizer; next to a keyboard in one
      // external device it is the same shape.
      const bool finger = h.touch_screen_contact() && !pen;
      if (plain_absolute || finger) {
        s.kvm_pointer = true;
        if (h.abs_x_min() == 0 && h.abs_x_max() == 32767) s.kvm_range = true;
        s.facts.push_back("hid " + h.hid_id() + ": absolute pointer X " + std::to_string(h.abs_x_min()) + ".." +
                          std::to_string(h.abs_x_max()) + ", Y " + std::to_string(h.abs_y_min()) + ".." +
                          std::to_string(h.abs_y_max()) +
                          (finger && !plain_absolute ? " (declared as a finger on a touch screen, no pen)" : ""));
      }
      if (h.keyboard()) s.facts.push_back("hid " + h.hid_id() + ": keyboard");
    }
  }
  return s;
}

void usb_structure(const RuleInput& in, Findings& out) {
  for (const auto& d : in.snap.usb_devices()) {
    if (d.root_hub()) continue;
    std::string where = "usb " + d.port_path();
    UsbShape s = shape_of(d);

    if (s.keyboard && s.kvm_pointer) {
      auto& ind = out.add("usb.keyboard_with_absolute_pointer",
                          "One USB device is both a keyboard and an absolute pointer (the shape of an IP-KVM)", "high",
                          s.kvm_range ? 0.95 : 0.85, "structure");
      Findings::fact(ind, where, usb_label(d));
      for (auto& f : s.facts) Findings::fact(ind, where, f);
    }
    if ((s.keyboard || s.kvm_pointer) && (s.storage || s.network)) {
      auto& ind = out.add("usb.input_with_storage_or_network",
                          "A USB keyboard/pointer that also offers mass storage or a network adapter", "medium", 0.8,
                          "structure");
      Findings::fact(ind, where,
                      usb_label(d) + (s.storage ? "; mass storage interface" : "") + (s.network ? "; network interface" : ""));
    }
    if (d.vendor_id() == 0x1d6b && d.product_id() > 0x0003) {
      auto& ind = out.add("usb.gadget_linux_foundation_vid",
                          "USB device with the Linux Foundation vendor id that is not a root hub (a Linux USB gadget)",
                          "high", 0.9, "structure");
      Findings::fact(ind, where, usb_label(d));
    }
    for (const auto& itf : d.interfaces()) {
      if (itf.interface_class() == 3 && itf.has_interface_string() && itf.interface_string() == "HID Interface") {
        auto& ind = out.add("usb.gadget_hid_interface",
                            "HID interface string \"HID Interface\", hard-coded in the Linux gadget HID function", "high",
                            0.9, "structure");
        Findings::fact(ind, "usb " + itf.name(), usb_label(d) + ": interface \"HID Interface\"");
      }
      for (const auto& lun : itf.storage()) {
        if (lun.vendor() == "Linux" && (lun.model() == "File-Stor Gadget" || lun.model() == "File-CD Gadget")) {
          auto& ind = out.add("usb.gadget_file_storage",
                              "Mass storage answering as the Linux gadget (" + lun.model() + ")", "high", 0.95,
                              "structure");
          Findings::fact(ind, "usb " + itf.name(), usb_label(d) + ": SCSI \"" + lun.vendor() + "\" \"" + lun.model() + "\"");
        }
      }
    }
    if (s.keyboard) {
      std::string text = lower(d.manufacturer() + " " + d.product());
      for (const auto& b : in.catalog.brands()) {
        bool named = std::any_of(b.names.begin(), b.names.end(), [&](const std::string& n) {
          return text.find(n) != std::string::npos;
        });
        bool vid_ok = std::find(b.vids.begin(), b.vids.end(), d.vendor_id()) != b.vids.end();
        if (named && !vid_ok) {
          auto& ind = out.add("usb.keyboard_vendor_mismatch",
                              "Keyboard strings name a brand whose vendor id it does not carry (a cloned identity)",
                              b.severity, 0.8, "structure");
          Findings::fact(ind, where, usb_label(d) + " names " + b.title + " but vendor " + hex4(d.vendor_id()) +
                                          " is not " + b.title + "'s");
        }
      }
    }
  }
}

void display_structure(const RuleInput& in, Findings& out) {
  bool external_on = false, internal_present = false, internal_on = false;
  std::string external_label;
  for (const auto& disp : in.snap.displays()) {
    bool connected = disp.status() == "connected";
    if (disp.internal()) {
      internal_present = true;
      internal_on = internal_on || (connected && disp.enabled());
      continue;
    }
    if (!connected) continue;
    if (disp.enabled()) {
      external_on = true;
      external_label = disp.connector();
    }
    if (disp.edid_raw().empty() && !disp.has_edid()) continue;
    const auto& e = disp.edid();
    if (!e.valid()) {
      auto& ind = out.add("display.edid_invalid", "External display with a malformed EDID", "low", 0.6, "structure");
      Findings::fact(ind, "display " + disp.connector(), e.error().empty() ? "invalid EDID" : e.error());
    } else if (!e.pnp_id().empty() && !e.pnp_registered()) {
      auto& ind = out.add("display.edid_unregistered_pnp",
                          "External display whose manufacturer id is not in the PNP registry", "medium", 0.7, "structure");
      Findings::fact(ind, "display " + disp.connector(),
                      e.pnp_id() + " " + hex4(e.product_code()) + " \"" + e.monitor_name() + "\" (" + e.pnp_id() +
                          " is not a registered PNP id)");
    }
  }
  bool lid_closed = in.snap.lid().present() && in.snap.lid().closed();
  if (external_on && internal_present && (!internal_on || lid_closed)) {
    // Common on docks too, so it only adds weight to other findings.
    auto& ind = out.add("display.external_only", "External display active while the laptop's own panel is off",
                        "low", 0.5, "structure");
    Findings::fact(ind, "display " + external_label, std::string("enabled; internal panel ") +
                                                         (internal_on ? "on" : "off") + (lid_closed ? ", lid closed" : ""));
  }
}

void input_structure(const RuleInput& in, Findings& out) {
  for (const auto& dev : in.snap.input_devices()) {
    if (!dev.virtual_device() || !(dev.keyboard() || dev.has_relative() || dev.has_absolute())) continue;
    auto& ind = out.add("input.virtual_device", "Virtual (software) keyboard or pointer device, as remote-control tools create",
                        "medium", 0.6, "structure");
    Findings::fact(ind, "input \"" + dev.name() + "\"", dev.sysfs());
  }
  for (const auto& a : in.snap.input_activity().devices()) {
    if (a.virtual_device() && a.key_presses() > 0) {
      auto& ind = out.add("input.injected_keystrokes", "Keystrokes arrived through a virtual input device", "high", 0.8,
                          "structure");
      Findings::fact(ind, "input \"" + a.device() + "\"", std::to_string(a.key_presses()) + " key presses");
    }
    double share = a.regular_interval_share();
    if (a.key_presses() >= in.config.regular_min_key_presses && share >= in.config.regular_interval_share) {
      double span = std::max(1e-9, 1.0 - in.config.regular_interval_share);
      double confidence = std::min(1.0, 0.6 + 0.4 * (share - in.config.regular_interval_share) / span);
      auto& ind = out.add("input.machine_regular_keystrokes",
                          "Keystrokes at machine-regular intervals (typed by a program, e.g. KVM paste-as-keys)", "high",
                          confidence, "structure");
      char buf[96];
      std::snprintf(buf, sizeof buf, "%.0f%% of %llu intervals within 1 ms of the previous one", share * 100,
                    static_cast<unsigned long long>(a.key_presses()));
      Findings::fact(ind, "input \"" + a.device() + "\"", buf);
    }
  }
}

void remote_structure(const RuleInput& in, Findings& out) {
  std::vector<std::string> active, present;
  for (const auto& t : in.snap.remote_access()) {
    const RemoteTool* entry = in.catalog.find_tool(t.tool_id());
    if (entry && entry->category != "remote_control") continue;
    if (t.running() || t.listening() || t.connected()) active.push_back(t.name());
    if (t.installed() || t.running() || t.listening() || t.connected()) present.push_back(t.name());
  }
  if (present.size() >= 2) {
    // Installed-only extras are common on admins' laptops; several running at
    // once is what the public cases describe.
    bool running = active.size() >= 2;
    auto& ind = out.add("remote.several_tools", "Several remote-control tools on one laptop", running ? "medium" : "low",
                        running ? 0.9 : 0.6, "structure");
    std::string list;
    for (auto& n : present) list += (list.empty() ? "" : ", ") + n;
    Findings::fact(ind, std::to_string(present.size()) + " tools (" + std::to_string(active.size()) + " running)", list);
  }
  double far_us = in.config.remote_rtt_far_ms * 1000.0;
  for (const auto& t : in.snap.remote_access()) {
    for (const auto& p : t.peers()) {
      if (!p.rtt_measured() || p.rtt_us() < far_us) continue;
      double confidence = std::min(1.0, 0.6 + 0.4 * (p.rtt_us() - far_us) / std::max(1.0, far_us));
      auto& ind = out.add("remote.session_far", "Remote-control session whose peer is far away (kernel-measured RTT)",
                          "high", confidence, "structure");
      Findings::fact(ind, t.name() + " peer " + p.remote_address(),
                      "rtt " + std::to_string(p.rtt_us() / 1000) + " ms (threshold " +
                          std::to_string(static_cast<int>(in.config.remote_rtt_far_ms)) + " ms)");
    }
  }
}

void hardware_structure(const RuleInput& in, Findings& out) {
  const auto& vm = in.snap.hardware().vm();
  if (in.config.expect_laptops && vm.is_virtual()) {
    auto& ind = out.add("hardware.virtual_machine", "The agent runs in a virtual machine where a company laptop is expected",
                        "medium", 0.8, "structure");
    Findings::fact(ind, "hypervisor " + vm.hypervisor(), vm.evidence());
  }
}

}  // namespace

void structure_rules(const RuleInput& in, Findings& out) {
  usb_structure(in, out);
  display_structure(in, out);
  display_capture_rules(in, out);
  usb_gadget_rules(in, out);
  network_neighbour_rules(in, out);
  input_structure(in, out);
  remote_structure(in, out);
  hardware_structure(in, out);
}

}  // namespace telltale::detect
