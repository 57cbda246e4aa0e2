#pragma once
#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// DMI identity (sys/class/dmi/id), CPU, memory, disks, NICs, VM hint.
class HardwareProbe final : public Probe {
 public:
  std::string_view name() const override { return "hardware"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
};

}  // namespace telltale::platform::linux_probe
