#pragma once
#include <filesystem>
#include <optional>
#include <vector>

#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// USB devices from ROOT/sys/bus/usb/devices: identity, strings, class,
// power, port path, interfaces with drivers, HID report descriptor summaries
// and SCSI INQUIRY strings of mass storage.
class UsbProbe final : public Probe {
 public:
  std::string_view name() const override { return "usb"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
};

// How much of each device to read. The hotplug monitor diffs identities only
// and skips interfaces, HID descriptors and storage.
enum class UsbDetail { kIdentity, kFull };

// Every USB device below `root`, ordered by bus and port. Problems go to
// errors.errors (a Snapshot so that probe and monitor record them alike).
std::vector<telltale::v1::UsbDevice> read_usb_devices(const std::filesystem::path& root, UsbDetail detail,
                                                      telltale::v1::Snapshot& errors);

// One device directory (ROOT/sys/devices/…/1-2). nullopt when it is not a
// USB device directory (gone, or no idVendor/idProduct at all).
std::optional<telltale::v1::UsbDevice> read_usb_device(const std::filesystem::path& root,
                                                       const std::filesystem::path& dir, UsbDetail detail,
                                                       telltale::v1::Snapshot& errors);

}  // namespace telltale::platform::linux_probe
