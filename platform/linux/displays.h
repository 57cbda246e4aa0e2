#pragma once
#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// DRM connectors (sys/class/drm/cardN-CONNECTOR-M): type, internal panel or
// external, status, enabled, modes, raw + decoded EDID; and the lid switch
// (proc/acpi/button/lid/*/state). An external display that is on while the
// internal panel is off and the lid closed is how a KVM-driven laptop looks —
// and how a docked one looks too, so the facts travel without a verdict.
class DisplaysProbe final : public Probe {
 public:
  std::string_view name() const override { return "displays"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
};

}  // namespace telltale::platform::linux_probe
