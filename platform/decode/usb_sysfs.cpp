#include "platform/decode/usb_sysfs.h"

#include <charconv>

#include "platform/decode/sysfs_values.h"

namespace telltale::decode {

namespace {

// A decimal number without sign or leading junk; a port number never exceeds 255.
std::optional<uint32_t> take_number(std::string_view& text) {
  size_t n = 0;
  while (n < text.size() && text[n] >= '0' && text[n] <= '9') ++n;
  if (n == 0 || n > 5) return std::nullopt;
  uint32_t v = 0;
  std::from_chars(text.data(), text.data() + n, v);
  text.remove_prefix(n);
  return v;
}

bool is_hex_digit(char c, bool uppercase_only) {
  if (c >= '0' && c <= '9') return true;
  if (c >= 'A' && c <= 'F') return true;
  return !uppercase_only && c >= 'a' && c <= 'f';
}

}  // namespace

UsbName parse_usb_name(std::string_view name) {
  UsbName out;
  std::string_view rest = name;
  if (rest.starts_with("usb")) {
    rest.remove_prefix(3);
    auto bus = take_number(rest);
    if (bus && rest.empty() && *bus > 0) {
      out.kind = UsbNameKind::kRootHub;
      out.bus = *bus;
    }
    return out;
  }
  auto bus = take_number(rest);
  if (!bus || *bus == 0 || !rest.starts_with('-')) return out;
  rest.remove_prefix(1);
  std::vector<uint32_t> ports;
  for (;;) {
    auto port = take_number(rest);
    if (!port) return out;
    ports.push_back(*port);
    if (!rest.starts_with('.')) break;
    rest.remove_prefix(1);
  }
  // USB allows at most 7 tiers: a root hub plus 6 hubs below it.
  if (ports.size() > 7) return out;
  if (rest.empty()) {
    if (ports.front() == 0) return out;  // "1-0" is only valid as a root hub interface
    out.kind = UsbNameKind::kDevice;
  } else {
    if (!rest.starts_with(':')) return out;
    rest.remove_prefix(1);
    auto config = take_number(rest);
    if (!config || !rest.starts_with('.')) return out;
    rest.remove_prefix(1);
    auto iface = take_number(rest);
    if (!iface || !rest.empty()) return out;
    if (ports.front() == 0 && ports.size() != 1) return out;
    out.kind = UsbNameKind::kInterface;
    out.config = *config;
    out.interface = *iface;
  }
  out.bus = *bus;
  out.ports = std::move(ports);
  return out;
}

std::string usb_parent_port_path(std::string_view port_path) {
  auto name = parse_usb_name(port_path);
  if (name.kind != UsbNameKind::kDevice) return "";
  auto dot = port_path.rfind('.');
  if (dot != std::string_view::npos) return std::string(port_path.substr(0, dot));
  return "usb" + std::to_string(name.bus);
}

std::string usb_port_path_from_sysfs(std::string_view sysfs_path) {
  std::string last;
  while (!sysfs_path.empty()) {
    auto slash = sysfs_path.find('/');
    auto part = sysfs_path.substr(0, slash);
    if (parse_usb_name(part).kind == UsbNameKind::kDevice) last = std::string(part);
    if (slash == std::string_view::npos) break;
    sysfs_path.remove_prefix(slash + 1);
  }
  return last;
}

std::optional<uint32_t> parse_fixed_hex(std::string_view text, size_t digits) {
  if (text.size() != digits || digits > 8) return std::nullopt;
  for (char c : text)
    if (!is_hex_digit(c, false)) return std::nullopt;
  return parse_hex(text);
}

std::optional<std::string> parse_usb_version(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos || dot < 1 || dot > 2) return std::nullopt;
  auto major = text.substr(0, dot);
  if (major.size() == 2 && major[0] == ' ') major.remove_prefix(1);
  auto minor = text.substr(dot + 1);
  if (major.empty() || minor.size() != 2) return std::nullopt;
  for (char c : major)
    if (!is_hex_digit(c, false)) return std::nullopt;
  for (char c : minor)
    if (!is_hex_digit(c, false)) return std::nullopt;
  return std::string(major) + "." + std::string(minor);
}

bool is_usb_speed(std::string_view text) {
  for (std::string_view known : {"1.5", "12", "480", "5000", "10000", "20000", "unknown"})
    if (text == known) return true;
  return false;
}

bool is_usb_removable(std::string_view text) {
  return text == "removable" || text == "fixed" || text == "unknown";
}

bool is_hid_device_name(std::string_view name) {
  // BBBB:VVVV:PPPP.NNNN — the sequence number is at least 4 hex digits.
  if (name.size() < 19 || name[4] != ':' || name[9] != ':' || name[14] != '.') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (i == 4 || i == 9 || i == 14) continue;
    if (!is_hex_digit(name[i], true)) return false;
  }
  return name.size() <= 23;
}

}  // namespace telltale::decode
