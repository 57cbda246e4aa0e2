#pragma once
// Device changes between snapshots (USB plug/unplug, display connect and
// disconnect) reported as Events, from a thread of the monitor's own.
// Linux: kernel uevents backed by a sysfs rescan (linux/hotplug_monitor.h);
// Windows: a periodic SetupAPI rescan diffed against the previous one
// (rescan_change_monitor.h; macOS uses it too).
#include <functional>

#include "telltale/v1/events.pb.h"

namespace telltale::platform {

class ChangeMonitor {
 public:
  using Sink = std::function<void(telltale::v1::Event)>;
  virtual ~ChangeMonitor() = default;
  // Takes what is there now as the baseline (no events for it), then
  // watches and calls `sink` from the monitor's thread for each change.
  virtual void start(Sink sink) = 0;
  // Wakes the thread and joins it; safe to call more than once, or never.
  virtual void stop() = 0;
};

}  // namespace telltale::platform
