#pragma once
// Names and values of sys/bus/usb/devices as drivers/usb/core writes them.
// Pure: strings in, values or nullopt out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telltale::decode {

enum class UsbNameKind {
  kRootHub,    // "usb1"
  kDevice,     // "1-2", "1-1.4" (bus-port.port…)
  kInterface,  // "1-2:1.0", and "1-0:1.0" for a root hub's interface
  kOther,      // anything else (a stray or hostile entry)
};

struct UsbName {
  UsbNameKind kind = UsbNameKind::kOther;
  uint32_t bus = 0;
  std::vector<uint32_t> ports;  // empty for root hubs; {0} for a root hub interface
  uint32_t config = 0;          // interfaces only
  uint32_t interface = 0;       // interfaces only
};

UsbName parse_usb_name(std::string_view name);

// Port path of the hub a device hangs from: "1-1.4" → "1-1", "1-2" → "usb1",
// "usb1" → "" (root hubs hang from the host controller).
std::string usb_parent_port_path(std::string_view port_path);

// The USB device an input or HID node belongs to, from its sysfs path:
// ".../usb1/1-1/1-1.4/1-1.4:1.0/0003:…/input/input7" → "1-1.4"; "" when the
// path does not pass through a USB device.
std::string usb_port_path_from_sysfs(std::string_view sysfs_path);

// Exactly `digits` hex digits, as %04x / %02x write them.
std::optional<uint32_t> parse_fixed_hex(std::string_view text, size_t digits);

// `version` is "%2x.%02x": " 2.00" → "2.00", "10.00" stays. nullopt otherwise.
std::optional<std::string> parse_usb_version(std::string_view text);

// `speed` values the kernel writes: "1.5", "12", "480", "5000", "10000", "20000", "unknown".
bool is_usb_speed(std::string_view text);

// `removable`: "removable", "fixed", "unknown".
bool is_usb_removable(std::string_view text);

// HID device directory names "0003:1D6B:0104.0001" (bus:vendor:product.sequence, uppercase hex).
bool is_hid_device_name(std::string_view name);

}  // namespace telltale::decode
