#include "agent/scan/scan_report.h"

#include <google/protobuf/util/json_util.h>

#include <sstream>

namespace telltale::agent {

std::string snapshot_json(const telltale::v1::Snapshot& snapshot) {
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  google::protobuf::util::MessageToJsonString(snapshot, &json, opts);
  return json;
}

namespace {
std::string hex4(uint32_t v) {
  char buf[8];
  snprintf(buf, sizeof buf, "%04x", v & 0xffff);
  return buf;
}
}  // namespace

std::string snapshot_text(const telltale::v1::Snapshot& s) {
  std::ostringstream out;
  const auto& hw = s.hardware();
  out << "Machine:   " << hw.sys_vendor() << " " << hw.product_name() << " (" << hw.hostname() << ")\n";
  if (hw.vm().is_virtual()) out << "           virtual machine: " << hw.vm().hypervisor() << "\n";
  out << "Time zone: " << (s.time().iana_zone().empty() ? "?" : s.time().iana_zone()) << "\n";
  out << "USB devices (" << s.usb_devices_size() << "):\n";
  for (const auto& u : s.usb_devices()) {
    if (u.root_hub()) continue;
    out << "  " << u.port_path() << "  " << hex4(u.vendor_id()) << ":" << hex4(u.product_id()) << "  "
        << u.manufacturer() << " " << u.product();
    for (const auto& i : u.interfaces())
      for (const auto& h : i.hid()) {
        if (h.keyboard()) out << "  [keyboard]";
        if (h.absolute_pointer()) out << "  [absolute pointer]";
        if (h.relative_pointer()) out << "  [relative pointer]";
      }
    out << "\n";
  }
  out << "Displays (" << s.displays_size() << "):\n";
  for (const auto& d : s.displays())
    out << "  " << d.connector() << "  " << d.status() << (d.enabled() ? " enabled" : "") << "  "
        << d.edid().pnp_id() << " " << d.edid().monitor_name() << (d.has_edid() && !d.edid().valid() ? " (invalid EDID)" : "")
        << "\n";
  out << "Input devices: " << s.input_devices_size() << "\n";
  out << "Remote-access tools (" << s.remote_access_size() << "):\n";
  for (const auto& r : s.remote_access())
    out << "  " << r.name() << (r.running() ? " running" : "") << (r.listening() ? " listening" : "")
        << (r.connected() ? " connected" : "") << (r.installed() ? " installed" : "") << "\n";
  if (s.errors_size() > 0) {
    out << "Problems (" << s.errors_size() << "):\n";
    for (const auto& e : s.errors()) out << "  " << e.probe() << ": " << e.path() << ": " << e.message() << "\n";
  }
  return out.str();
}

}  // namespace telltale::agent
