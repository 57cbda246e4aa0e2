#pragma once
// The I/O Registry as `ioreg -a -l -r -c CLASS` prints it: an array of dicts,
// each an object with its properties plus IOObjectClass,
// IORegistryEntryName and IORegistryEntryChildren. Pure: plist in, the
// snapshot's messages out, so real captures from Macs test them here.
#include <functional>
#include <string>
#include <vector>

#include "platform/decode/macos/plist_value.h"
#include "telltale/v1/snapshot.pb.h"

namespace telltale::decode::macos {

std::string ioreg_class(const PlistValue& node);
std::string ioreg_name(const PlistValue& node);
const std::vector<PlistValue>& ioreg_children(const PlistValue& node);
// Depth-first over node and its descendants; the callback returns false to skip a subtree.
void ioreg_walk(const PlistValue& node, const std::function<bool(const PlistValue&)>& visit);
// The top-level objects of an `ioreg -a` answer (an array, or one dict).
std::vector<const PlistValue*> ioreg_roots(const PlistValue& answer);

// "20-1.3" from locationID 0x14130000: bus 0x14 (20), then one port per nibble.
std::string usb_port_path_from_location(uint64_t location_id);

struct IoregDecoded {
  std::vector<std::string> errors;  // per object, e.g. "IOUSBHostDevice \"Foo\": ReportDescriptor: …"
};

// USB devices (IOUSBHostDevice and their interfaces, HID report descriptors
// and SCSI INQUIRY strings found below each interface).
std::vector<telltale::v1::UsbDevice> usb_devices_from_ioreg(const PlistValue& answer, IoregDecoded& diag);

// HID devices (`ioreg -a -l -r -c IOHIDDevice`): one input device each, with
// its report descriptor summarised. Software-created HID devices
// (IOHIDUserDevice, Transport "Virtual") are marked virtual.
std::vector<telltale::v1::InputDevice> input_devices_from_ioreg(const PlistValue& answer, IoregDecoded& diag);

// Displays from IODisplayConnect subtrees (Intel: IODisplayEDID of
// AppleDisplay / AppleBacklightDisplay) or IOMobileFramebuffer objects
// (Apple silicon: AppleCLCD2 with EDID and DisplayAttributes). lid_closed
// turns the internal panel off, as macOS does in clamshell mode.
std::vector<telltale::v1::Display> displays_from_ioreg(const PlistValue& answer, bool lid_closed, IoregDecoded& diag);

// AppleClamshellState of IOPMrootDomain; unset when no object carries it (a desktop Mac).
std::optional<bool> clamshell_closed_from_ioreg(const PlistValue& answer);

}  // namespace telltale::decode::macos
