#pragma once
// USB and display changes by periodic rescan (Windows and macOS): the USB
// and display probes run on the monitor's thread every interval and the
// result is diffed against the previous one, giving the same UsbChange and
// DisplayChange events as Linux. On macOS the probes are the ioreg ones
// (IOKit notifications would need CoreFoundation run loops the portable
// probes avoid; each period costs the ioreg runs of those two probes).
// (Windows would also announce changes with WM_DEVICECHANGE to a window; a service without a window gets them through
// RegisterDeviceNotification on its control handler, which the service
// host owns: the rescan needs neither and catches what a message misses.)
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/change_monitor.h"
#include "platform/probe.h"

namespace telltale::platform {

// The changes from `before` to `after` (their usb_devices and displays).
// USB devices are keyed by port path + VID:PID + serial, so a device swapped
// on one port is an unplug and a plug; displays by connector, with the EDID
// hash so another monitor on the same connector is a change too.
std::vector<telltale::v1::Event> device_changes(const telltale::v1::Snapshot& before,
                                                const telltale::v1::Snapshot& after, int64_t at_unix_ms);

class RescanChangeMonitor final : public ChangeMonitor {
 public:
  // `probes` fill usb_devices and displays (the live UsbProbe and DisplaysProbe).
  RescanChangeMonitor(ProbeList probes, std::chrono::milliseconds interval);
  ~RescanChangeMonitor() override;
  void start(Sink sink) override;
  void stop() override;

 private:
  telltale::v1::Snapshot scan();

  ProbeList probes_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace telltale::platform
