#pragma once
// Kernel uevents (lib/kobject_uevent.c): the datagrams of the
// NETLINK_KOBJECT_UEVENT socket, group 1, and the KEY=VALUE `uevent` files
// in sysfs. Pure: bytes in, fields out.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace telltale::decode {

struct Uevent {
  std::string action;     // "add", "remove", "change", "bind", "unbind", "move", "online", "offline"
  std::string devpath;    // "/devices/pci0000:00/0000:00:14.0/usb1/1-2", below /sys
  std::string subsystem;  // "usb", "drm", "hid", "input"…
  std::string devtype;    // "usb_device", "usb_interface", "drm_minor"…
  std::map<std::string, std::string> env;  // every KEY=VALUE, including the four above
};

// "ACTION@DEVPATH\0KEY=VALUE\0…". Messages relayed by udev ("libudev\0"
// header, group 2) and anything without ACTION/DEVPATH/SUBSYSTEM are refused
// with the reason in *error.
std::optional<Uevent> parse_kernel_uevent(std::span<const char> message, std::string* error);

// A sysfs `uevent` file: one KEY=VALUE per line.
std::map<std::string, std::string> parse_uevent_file(std::string_view text);

}  // namespace telltale::decode
