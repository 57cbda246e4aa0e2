#pragma once
#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// Input devices from ROOT/proc/bus/input/devices (parsed by
// platform/decode/proc_input_devices): name, bus, IDs, virtual or physical,
// capabilities, and the USB device each belongs to.
class InputDevicesProbe final : public Probe {
 public:
  std::string_view name() const override { return "input_devices"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
};

}  // namespace telltale::platform::linux_probe
