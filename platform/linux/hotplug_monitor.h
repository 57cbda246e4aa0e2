#pragma once
// USB plug/unplug and display connect/disconnect as Events between snapshots.
//
// On a real machine (root "/") the kernel's uevent netlink socket
// (NETLINK_KOBJECT_UEVENT, group 1) wakes the monitor; it then re-reads the
// device the uevent names from sysfs, so facts always come from sysfs and a
// forged or reordered uevent can at most cause a needless re-read. A periodic
// rescan backs it up (the socket drops messages when its buffer overflows).
// Below a fixture root there is no kernel to send uevents, so the monitor
// rescans periodically and diffs against the previous USB and DRM state.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/change_monitor.h"
#include "platform/decode/uevent.h"
#include "telltale/v1/events.pb.h"

namespace telltale::platform::linux_probe {

class HotplugMonitor final : public ChangeMonitor {
 public:
  enum class Source {
    kAuto,     // netlink when root is "/", rescan otherwise
    kRescan,   // periodic rescan only
    kNetlink,  // netlink plus periodic rescan (falls back to rescan if the socket cannot be opened)
  };

  HotplugMonitor(std::filesystem::path root, std::chrono::milliseconds rescan_interval,
                 Source source = Source::kAuto);
  ~HotplugMonitor() override;  // stops and joins
  HotplugMonitor(const HotplugMonitor&) = delete;
  HotplugMonitor& operator=(const HotplugMonitor&) = delete;

  // Records the current USB and DRM state as the baseline (no events for what
  // is already there), then watches on a thread and calls `sink` from it.
  // Calling start twice without stop throws std::logic_error.
  void start(Sink sink) override;
  // Wakes the thread and joins it. Safe to call more than once, or never.
  void stop() override;

  // True while the running thread listens on the netlink socket.
  bool listening_to_kernel() const { return netlink_active_; }

  // Applies one kernel uevent: re-reads what it names and returns the
  // changes against the known state. Public so tests can feed parsed messages.
  std::vector<telltale::v1::Event> handle_uevent(const decode::Uevent& uevent);
  // Re-reads every USB device and DRM connector and returns the changes.
  std::vector<telltale::v1::Event> rescan();

  struct UsbSeen {
    std::string port_path;
    uint32_t vendor_id = 0;
    uint32_t product_id = 0;
    std::string product;
    std::string serial;
  };
  struct DisplaySeen {
    std::string status;
    std::string monitor_name;
    std::string serial_string;
    std::string edid_sha256;  // a different monitor on the same connector is a change too
  };

 private:
  std::map<std::string, UsbSeen> read_usb() const;
  std::map<std::string, DisplaySeen> read_displays() const;
  std::vector<telltale::v1::Event> diff_usb(std::map<std::string, UsbSeen> now);
  std::vector<telltale::v1::Event> diff_displays(std::map<std::string, DisplaySeen> now);
  void run(Sink sink);
  void run_rescan(const Sink& sink);
  bool run_netlink(const Sink& sink);  // false when the socket could not be opened

  const std::filesystem::path root_;
  const std::chrono::milliseconds interval_;
  const Source source_;

  std::mutex state_mu_;  // guards usb_ and displays_
  std::map<std::string, UsbSeen> usb_;  // keyed by port path + identity
  std::map<std::string, DisplaySeen> displays_;  // keyed by connector

  std::mutex run_mu_;  // guards thread_ and stopping_
  std::condition_variable wake_;
  std::thread thread_;
  bool stopping_ = false;
  int wake_fd_ = -1;  // eventfd that interrupts poll() on stop
  std::atomic<bool> netlink_active_{false};
};

}  // namespace telltale::platform::linux_probe
