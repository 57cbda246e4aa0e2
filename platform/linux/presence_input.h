#pragma once
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "platform/linux/lid_switch_inhibitor.h"
#include "platform/presence_input.h"
#include "platform/linux/wake_pipe.h"

namespace telltale::platform::linux_probe {

// Presence capture from ROOT/dev/input/event*: a character device (the live
// system) is opened at start() and read by one thread until finish(), so the
// evdev stamps of every press are kept; a regular file (a recorded stream in
// a fixture) is read whole at finish(). Devices are described by
// ROOT/proc/bus/input/devices; sessions come from logind's state files
// ROOT/run/systemd/sessions/*.
class LinuxPresenceCapture final : public PresenceInputCapture {
 public:
  explicit LinuxPresenceCapture(std::filesystem::path root) : root_(std::move(root)) {}
  ~LinuxPresenceCapture() override;
  LinuxPresenceCapture(const LinuxPresenceCapture&) = delete;
  LinuxPresenceCapture& operator=(const LinuxPresenceCapture&) = delete;

  void start() override;
  std::vector<decode::PresenceDeviceStream> finish(std::vector<std::string>& errors) override;
  bool has_lid_switch() override;
  std::vector<UserSession> sessions() override;
  std::string inhibit_lid_suspend(std::chrono::seconds max) override;

 private:
  void stop();
  void reader_loop();
  struct Live {
    int fd = -1;
    std::vector<uint8_t> bytes;
  };
  std::filesystem::path root_;
  std::mutex mu_;
  std::map<std::string, Live> live_;  // by event node
  std::thread reader_;
  std::atomic<bool> stop_{false};
  WakePipe wake_;
  std::unique_ptr<LidSwitchInhibitor> inhibitor_;  // held from inhibit_lid_suspend() to finish()
};

}  // namespace telltale::platform::linux_probe
