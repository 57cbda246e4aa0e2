#include "platform/linux/usb.h"

#include <algorithm>
#include <map>
#include <set>
#include <span>

#include "platform/common/log.h"
#include "platform/decode/hid_report.h"
#include "platform/decode/sysfs_values.h"
#include "platform/decode/text_sanitize.h"
#include "platform/decode/usb_sysfs.h"
#include "platform/linux/root_path.h"
#include "platform/linux/sysfs_dir.h"
#include "platform/linux/sysfs_link.h"

namespace telltale::platform::linux_probe {

namespace fs = std::filesystem;
using decode::UsbNameKind;

namespace {

constexpr std::string_view kProbe = "usb";
// HID_MAX_DESCRIPTOR_SIZE in include/linux/hid.h.
constexpr size_t kMaxReportDescriptor = 4096;
// A string descriptor holds at most 126 UTF-16 units: at most 378 bytes of UTF-8.
constexpr size_t kMaxStringAttribute = 1024;
// Bounds against hostile trees: real machines stay far below these.
constexpr size_t kMaxDevices = 1024;
constexpr size_t kMaxChildrenScanned = 4096;
constexpr int kMaxHidDepth = 3;  // hid-logitech-dj nests paired devices one level down

// Reads sysfs attributes of one directory and records what is wrong with them.
class Attributes {
 public:
  Attributes(const fs::path& root, const fs::path& dir, std::string what, telltale::v1::Snapshot& errors)
      : root_(root), dir_(dir), what_(std::move(what)), errors_(errors) {}

  const SysfsDir& dir() const { return dir_; }

  // The value without the trailing newline; nullopt (and an error unless
  // `optional`) when the file is missing or unreadable.
  std::optional<std::string> text(const char* name, bool optional = false, size_t max = 4096) {
    return text_of(name, dir_.read(name, max), optional);
  }

  std::optional<std::string> text_of(const char* name, ReadResult r, bool optional = false) {
    if (!r.data) {
      if (!(optional && r.missing)) error(name, r.missing ? "missing" : r.error);
      return std::nullopt;
    }
    std::string& s = *r.data;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
    return std::move(s);
  }

  template <typename Parse>
  auto parsed(const char* name, Parse parse, const char* expected) -> decltype(parse(std::string_view{})) {
    return parsed_of(name, text(name), parse, expected);
  }

  template <typename Parse>
  auto parsed_of(const char* name, std::optional<std::string> raw, Parse parse, const char* expected)
      -> decltype(parse(std::string_view{})) {
    if (!raw) return std::nullopt;
    auto v = parse(std::string_view(*raw));
    if (!v) error(name, "\"" + decode::printable(*raw) + "\", expected " + expected);
    return v;
  }

  std::optional<uint32_t> hex(const char* name, size_t digits) { return hex_of(name, text(name), digits); }

  std::optional<uint32_t> hex_of(const char* name, std::optional<std::string> raw, size_t digits) {
    return parsed_of(name, std::move(raw), [&](std::string_view s) { return decode::parse_fixed_hex(s, digits); },
                     digits == 4 ? "4 hex digits" : "2 hex digits");
  }

  // "%2x" / "%2d": right-aligned in two columns, so a leading space is part of the format.
  std::optional<uint32_t> padded_hex(const char* name) {
    return parsed(name, [](std::string_view s) -> std::optional<uint32_t> {
      if (s.size() == 2 && s[0] == ' ') s.remove_prefix(1);
      if (s.empty() || s.size() > 2) return std::nullopt;
      return decode::parse_fixed_hex(s, s.size());
    }, "hex byte");
  }

  std::optional<uint32_t> decimal(const char* name) {
    return parsed(name, [](std::string_view s) -> std::optional<uint32_t> {
      if (s.empty() || s.size() > 10) return std::nullopt;
      for (char c : s)
        if (c != ' ' && (c < '0' || c > '9')) return std::nullopt;
      auto v = decode::parse_decimal(s);
      if (!v || *v > 0xffffffffu) return std::nullopt;
      return static_cast<uint32_t>(*v);
    }, "a decimal number");
  }

  void error(std::string_view name, std::string message) {
    record_error(errors_, kProbe, root_, dir_.path() / std::string(name), what_ + ": " + message);
  }

 private:
  const fs::path& root_;
  SysfsDir dir_;
  std::string what_;
  telltale::v1::Snapshot& errors_;
};

// Entries of a directory, sorted, capped. The entries carry the type
// getdents reported, so asking whether one is a real directory (not a link)
// costs no further system call.
std::vector<fs::directory_entry> children(const fs::path& dir) {
  std::vector<fs::directory_entry> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(*it);
    if (out.size() >= kMaxChildrenScanned) break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool is_real_dir(const fs::directory_entry& e) {
  std::error_code ec;
  return e.is_directory(ec) && !e.is_symlink(ec);
}

telltale::v1::HidSummary read_hid(const fs::path& root, const fs::path& dir, telltale::v1::Snapshot& errors) {
  auto hid_id = dir.filename().string();
  auto r = SysfsDir(dir).read("report_descriptor", kMaxReportDescriptor);
  telltale::v1::HidSummary summary;
  if (r.data) {
    auto bytes = std::as_bytes(std::span(r.data->data(), r.data->size()));
    summary = decode::summarize_hid_report(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    if (!summary.parse_error().empty())
      spdlog::info("event=hid_descriptor_malformed hid={} error={}", hid_id, log::q(summary.parse_error()));
  } else {
    std::string why = "report descriptor of " + hid_id + ": " + (r.missing ? "missing" : r.error);
    record_error(errors, kProbe, root, dir / "report_descriptor", why);
    summary.set_parse_error(why);
  }
  summary.set_hid_id(hid_id);
  return summary;
}

bool has_hid(const telltale::v1::UsbInterface& itf, std::string_view hid_id) {
  return std::any_of(itf.hid().begin(), itf.hid().end(), [&](const auto& h) { return h.hid_id() == hid_id; });
}

// HID devices directly below `dir` and the ones drivers create below them.
void scan_hid(const fs::path& root, const fs::path& dir, int depth, telltale::v1::UsbInterface& itf,
              telltale::v1::Snapshot& errors) {
  if (depth > kMaxHidDepth) return;
  for (const auto& child : children(dir)) {
    auto name = child.path().filename().string();
    if (!decode::is_hid_device_name(name) || !is_real_dir(child)) continue;
    if (!has_hid(itf, name)) *itf.add_hid() = read_hid(root, child.path(), errors);
    scan_hid(root, child.path(), depth + 1, itf, errors);
  }
}

// SCSI INQUIRY of each LUN: <interface>/hostN/targetN:C:T/N:C:T:L/{vendor,model,rev}.
void scan_storage(const fs::path& root, const fs::path& dir, telltale::v1::UsbInterface& itf,
                  telltale::v1::Snapshot& errors) {
  for (const auto& host : children(dir)) {
    if (!host.path().filename().string().starts_with("host") || !is_real_dir(host)) continue;
    for (const auto& target : children(host.path())) {
      if (!target.path().filename().string().starts_with("target") || !is_real_dir(target)) continue;
      for (const auto& lun : children(target.path())) {
        auto name = lun.path().filename().string();
        if (std::count(name.begin(), name.end(), ':') != 3 || !is_real_dir(lun)) continue;
        Attributes a(root, lun.path(), "SCSI device " + name, errors);
        auto vendor = a.text("vendor", false, 256);
        auto model = a.text("model", false, 256);
        if (!vendor && !model) continue;
        auto rev = a.text("rev", true, 256);
        auto* s = itf.add_storage();
        s->set_vendor(decode::sanitize_utf8(decode::trim(vendor.value_or(""))));
        s->set_model(decode::sanitize_utf8(decode::trim(model.value_or(""))));
        s->set_revision(decode::sanitize_utf8(decode::trim(rev.value_or(""))));
      }
    }
  }
}

void read_interface(const fs::path& root, const fs::path& dir, const decode::UsbName& parsed,
                    telltale::v1::UsbInterface& itf, telltale::v1::Snapshot& errors) {
  auto name = dir.filename().string();
  Attributes a(root, dir, "USB interface " + name, errors);
  itf.set_name(name);
  itf.set_number(a.hex("bInterfaceNumber", 2).value_or(parsed.interface));
  itf.set_alternate_setting(a.decimal("bAlternateSetting").value_or(0));
  itf.set_interface_class(a.hex("bInterfaceClass", 2).value_or(0));
  itf.set_interface_subclass(a.hex("bInterfaceSubClass", 2).value_or(0));
  itf.set_interface_protocol(a.hex("bInterfaceProtocol", 2).value_or(0));
  itf.set_num_endpoints(a.hex("bNumEndpoints", 2).value_or(0));
  if (auto s = a.text("interface", true, kMaxStringAttribute)) itf.set_interface_string(decode::sanitize_utf8(*s));
  itf.set_driver(decode::sanitize_utf8(a.dir().link_basename("driver").value_or("")));
  scan_hid(root, dir, 0, itf, errors);
  if (itf.interface_class() == 0x08) scan_storage(root, dir, itf, errors);
}

// Root hubs first, then devices by port numbers (1-2 before 1-10).
bool port_order(const telltale::v1::UsbDevice& a, const telltale::v1::UsbDevice& b) {
  auto na = decode::parse_usb_name(a.port_path());
  auto nb = decode::parse_usb_name(b.port_path());
  return std::tie(na.bus, na.kind, na.ports) < std::tie(nb.bus, nb.kind, nb.ports);
}

// sys/bus/hid/devices lists every HID device; one that lives below a USB
// interface but was not found by scanning that interface (a driver may nest
// it deeper) is attached to the nearest interface above it.
void attach_hid_bus(const fs::path& root, const fs::path& devices_dir,
                    std::map<fs::path, telltale::v1::UsbInterface*>& interfaces, telltale::v1::Snapshot& out) {
  auto bus = under(root, "sys/bus/hid/devices");
  std::error_code ec;
  if (!fs::exists(bus, ec)) return;
  std::set<std::string, std::less<>> known;
  for (const auto& [dir, itf] : interfaces)
    for (const auto& h : itf->hid()) known.insert(h.hid_id());
  SysfsLinkResolver resolver(root, devices_dir);
  for (const auto& e : children(bus)) {
    const auto& entry = e.path();
    auto name = entry.filename().string();
    if (!decode::is_hid_device_name(name)) {
      spdlog::debug("event=usb_skip reason=not_a_hid_name entry={}", log::q(decode::printable(name)));
      continue;
    }
    if (known.contains(name)) continue;  // found below its interface already
    auto resolved = resolver.resolve(entry);
    if (!resolved.dir) {
      record_error(out, kProbe, root, entry, "HID device " + name + ": " + resolved.error);
      continue;
    }
    for (auto p = resolved.dir->parent_path(); is_within(p, devices_dir) && p != devices_dir; p = p.parent_path()) {
      auto it = interfaces.find(p);
      if (it == interfaces.end()) continue;
      if (!has_hid(*it->second, name)) *it->second->add_hid() = read_hid(root, *resolved.dir, out);
      break;
    }
  }
}

}  // namespace

std::optional<telltale::v1::UsbDevice> read_usb_device(const fs::path& root, const fs::path& dir, UsbDetail detail,
                                                       telltale::v1::Snapshot& errors) {
  auto name = dir.filename().string();
  auto parsed = decode::parse_usb_name(name);
  if (parsed.kind != UsbNameKind::kRootHub && parsed.kind != UsbNameKind::kDevice) return std::nullopt;
  Attributes a(root, dir, "USB device " + name, errors);
  auto vendor = a.dir().read("idVendor");
  auto product = a.dir().read("idProduct");
  if (vendor.missing && product.missing) {
    spdlog::info("event=usb_skip device={} reason=no_idVendor_or_idProduct", log::q(name));
    return std::nullopt;
  }
  telltale::v1::UsbDevice d;
  d.set_port_path(name);
  d.set_root_hub(parsed.kind == UsbNameKind::kRootHub);
  d.set_parent_port_path(decode::usb_parent_port_path(name));
  d.set_vendor_id(a.hex_of("idVendor", a.text_of("idVendor", std::move(vendor)), 4).value_or(0));
  d.set_product_id(a.hex_of("idProduct", a.text_of("idProduct", std::move(product)), 4).value_or(0));
  // The kernel leaves these files out when the device has no such string.
  if (auto s = a.text("manufacturer", true, kMaxStringAttribute)) d.set_manufacturer(decode::sanitize_utf8(*s));
  if (auto s = a.text("product", true, kMaxStringAttribute)) d.set_product(decode::sanitize_utf8(*s));
  if (auto s = a.text("serial", true, kMaxStringAttribute)) d.set_serial(decode::sanitize_utf8(*s));
  d.set_busnum(a.decimal("busnum").value_or(parsed.bus));
  d.set_devnum(a.decimal("devnum").value_or(0));
  if (detail == UsbDetail::kIdentity) return d;

  d.set_device_class(a.hex("bDeviceClass", 2).value_or(0));
  d.set_device_subclass(a.hex("bDeviceSubClass", 2).value_or(0));
  d.set_device_protocol(a.hex("bDeviceProtocol", 2).value_or(0));
  d.set_bcd_device(a.hex("bcdDevice", 4).value_or(0));
  d.set_usb_version(a.parsed("version", decode::parse_usb_version, "\"%2x.%02x\" like \" 2.00\"").value_or(""));
  d.set_speed_mbps(a.parsed("speed", [](std::string_view s) -> std::optional<std::string> {
    if (!decode::is_usb_speed(s)) return std::nullopt;
    return std::string(s);
  }, "1.5, 12, 480, 5000, 10000, 20000 or unknown").value_or(""));
  d.set_max_power_ma(a.parsed("bMaxPower", decode::parse_milliamps, "like \"500mA\"").value_or(0));
  d.set_attributes(a.padded_hex("bmAttributes").value_or(0));
  d.set_removable(a.parsed("removable", [](std::string_view s) -> std::optional<std::string> {
    if (!decode::is_usb_removable(s)) return std::nullopt;
    return std::string(s);
  }, "removable, fixed or unknown").value_or(""));

  // Interfaces are child directories "<port>:<config>.<interface>"; a root
  // hub's port part is "<bus>-0".
  std::string prefix = (parsed.kind == UsbNameKind::kRootHub ? std::to_string(parsed.bus) + "-0" : name) + ":";
  std::vector<std::pair<decode::UsbName, fs::path>> ifaces;
  for (const auto& child : children(dir)) {
    auto child_name = child.path().filename().string();
    if (!child_name.starts_with(prefix)) continue;
    auto p = decode::parse_usb_name(child_name);
    if (p.kind != UsbNameKind::kInterface || !is_real_dir(child)) continue;
    ifaces.emplace_back(std::move(p), child.path());
  }
  std::sort(ifaces.begin(), ifaces.end(), [](const auto& x, const auto& y) {
    return std::tie(x.first.config, x.first.interface) < std::tie(y.first.config, y.first.interface);
  });
  for (const auto& [p, path] : ifaces) read_interface(root, path, p, *d.add_interfaces(), errors);
  return d;
}

std::vector<telltale::v1::UsbDevice> read_usb_devices(const fs::path& root, UsbDetail detail,
                                                      telltale::v1::Snapshot& out) {
  std::vector<telltale::v1::UsbDevice> devices;
  auto bus = under(root, "sys/bus/usb/devices");
  std::error_code ec;
  if (!fs::is_directory(bus, ec)) {
    // No USB at all (a VM without a controller, a container) is a fact, but a
    // laptop without it is odd enough to show.
    record_error(out, kProbe, root, bus, "no USB bus listing (sys/bus/usb/devices missing)");
    return devices;
  }
  auto devices_dir = canonical_or_self(root, "sys/devices");
  std::map<fs::path, std::string> seen;  // canonical dir → entry, so two links to one device count once
  SysfsLinkResolver resolver(root, devices_dir);
  for (const auto& e : children(bus)) {
    const auto& entry = e.path();
    auto name = entry.filename().string();
    auto kind = decode::parse_usb_name(name).kind;
    if (kind == UsbNameKind::kInterface) continue;  // read below their device
    if (kind == UsbNameKind::kOther) {
      spdlog::info("event=usb_skip entry={} reason=not_a_usb_device_name", log::q(decode::printable(name)));
      continue;
    }
    auto resolved = resolver.resolve(entry);
    if (!resolved.dir) {
      record_error(out, kProbe, root, entry, "USB device " + name + ": " + resolved.error);
      continue;
    }
    if (resolved.dir->filename() != name) {
      record_error(out, kProbe, root, entry,
                   "USB device " + name + ": link points to " + resolved.dir->filename().string() +
                       ", expected a directory of the same name");
      continue;
    }
    if (!seen.emplace(*resolved.dir, name).second) continue;
    if (devices.size() >= kMaxDevices) {
      record_error(out, kProbe, root, bus, "more than " + std::to_string(kMaxDevices) + " USB devices, rest skipped");
      break;
    }
    if (auto d = read_usb_device(root, *resolved.dir, detail, out)) devices.push_back(std::move(*d));
  }
  std::sort(devices.begin(), devices.end(), port_order);

  if (detail == UsbDetail::kFull) {
    std::map<fs::path, telltale::v1::UsbInterface*> interfaces;
    std::map<std::string, const fs::path*> dir_of;
    for (const auto& [dir, name] : seen) dir_of.emplace(name, &dir);
    for (auto& d : devices) {
      auto it = dir_of.find(d.port_path());
      if (it == dir_of.end()) continue;
      for (auto& itf : *d.mutable_interfaces()) interfaces.emplace(*it->second / itf.name(), &itf);
    }
    attach_hid_bus(root, devices_dir, interfaces, out);
  }
  return devices;
}

void UsbProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  for (auto& d : read_usb_devices(ctx.root, UsbDetail::kFull, out)) *out.add_usb_devices() = std::move(d);
}

}  // namespace telltale::platform::linux_probe
