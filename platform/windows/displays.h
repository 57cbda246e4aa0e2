#pragma once
// Displays on Windows: every monitor under the DISPLAY enumerator with the
// EDID Windows stored for it (Enum\DISPLAY\…\Device Parameters\EDID, read via
// SetupDiOpenDevRegKey), decoded by the shared EDID decoder; which of them are
// attached now, on which connector technology, and whether it is the internal
// panel, from the display topology (QueryDisplayConfig). Windows remembers
// every monitor it ever saw, so one without an active path is "disconnected".
// Lid state (GUID_LIDSWITCH_STATE_CHANGE) needs a window for power
// notifications and is not read yet.
#include <string>
#include <vector>

#include "platform/probe.h"

namespace telltale::platform::windows_probe {

struct DisplayTarget {
  std::string instance_id;     // "DISPLAY\LNX0000\5&1A2B3C&0&UID4352"
  std::string connector_type;  // "eDP", "HDMI-A", "DP", "DVI", "VGA", "internal", "other"
  bool internal = false;       // DISPLAYCONFIG_OUTPUT_TECHNOLOGY_INTERNAL or an embedded DisplayPort/LVDS panel
  bool active = false;         // part of an active path now
};

// Behind an interface: QueryDisplayConfig reports Wine's virtual outputs, so
// tests feed the topology recorded on real machines.
class DisplayTopologySource {
 public:
  virtual ~DisplayTopologySource() = default;
  virtual std::vector<DisplayTarget> targets(std::string& error) = 0;
};

class SystemDisplayTopology final : public DisplayTopologySource {
 public:
  std::vector<DisplayTarget> targets(std::string& error) override;
};

class DisplaysProbe final : public Probe {
 public:
  explicit DisplaysProbe(DisplayTopologySource& topology) : topology_(topology) {}
  std::string_view name() const override { return "displays"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;

 private:
  DisplayTopologySource& topology_;
};

}  // namespace telltale::platform::windows_probe
