#pragma once
// USB devices on Windows through SetupAPI, the way Device Manager sees them:
// every device and interface under the USB enumerator (hardware and
// compatible ids → VID/PID/bcdDevice and class triples, the bus-reported
// iProduct / iInterface strings, the driver service, the location path →
// "bus-port.port" like Linux), parents through DEVPKEY_Device_Parent (the
// property route: CM_Get_Parent is a stub under Wine), HID collections under
// each interface summarised by decode/hid_report from a descriptor rebuilt out
// of the preparsed data (decode/hid_preparsed), and USBSTOR disks' INQUIRY
// vendor/product from their instance ids.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/probe.h"

namespace telltale::platform::windows_probe {

// HidD_GetPreparsedData for one HID device instance ("HID\VID_…\…"). An
// interface because a device known only from the registry (fixtures) cannot
// be opened: tests feed preparsed data recorded on real Windows machines.
class HidPreparsedSource {
 public:
  virtual ~HidPreparsedSource() = default;
  virtual std::optional<std::vector<uint8_t>> preparsed(const std::string& instance_id, std::string& error) = 0;
};

class SystemHidPreparsed final : public HidPreparsedSource {
 public:
  std::optional<std::vector<uint8_t>> preparsed(const std::string& instance_id, std::string& error) override;
};

class UsbProbe final : public Probe {
 public:
  explicit UsbProbe(HidPreparsedSource& hid) : hid_(hid) {}
  std::string_view name() const override { return "usb"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;

 private:
  HidPreparsedSource& hid_;
};

// Pure helpers (tested on their own).
struct UsbIds {
  uint32_t vendor = 0, product = 0, revision = 0;
  std::optional<uint32_t> interface_number;  // &MI_xx
  bool valid = false;
};
UsbIds parse_usb_ids(const std::string& id);  // "USB\VID_1D6B&PID_0104&REV_0510" or an instance id
struct UsbClass {
  uint32_t cls = 0, subclass = 0, protocol = 0;
  bool valid = false;
};
UsbClass parse_usb_class(const std::vector<std::string>& compatible_ids);  // "USB\Class_03&SubClass_01&Prot_01"
// "PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)#USB(4)" → "1-2.4"; "" when not a USB location path.
std::string port_path_from_location(const std::string& location_path);

}  // namespace telltale::platform::windows_probe
