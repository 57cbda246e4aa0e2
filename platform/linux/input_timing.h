#pragma once
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/decode/evdev_behaviour.h"
#include "platform/decode/evdev_timing.h"
#include "platform/probe.h"
#include "platform/linux/wake_pipe.h"

namespace telltale::platform::linux_probe {

// Keystroke and pointer timing per input device from dev/input/event*.
// A character device (the live system) is read continuously by one thread
// (poll, started on the first collect, stopped in the destructor) so that no
// event is missed between collections; a regular file (a recorded stream under
// a fixture root) is read whole at each collect. Only counts per 15-minute UTC
// bucket, timing histograms and the share of perfectly regular intervals
// leave: never a key code. Virtual or physical comes from the device's sysfs
// path (proc/bus/input/devices S: line, else sys/class/input/eventN), the bus
// from its I: line. Behaviour counters (decode/evdev_behaviour.h) ride on the
// same reads: clumped delivery, absolute teleports, input with the lid closed
// (the lid switch's own SW_LID events, else proc/acpi/button/lid) and input per
// UTC hour. Shedding stops all of it together.
class InputTimingProbe final : public Probe {
 public:
  InputTimingProbe();
  ~InputTimingProbe() override;
  InputTimingProbe(const InputTimingProbe&) = delete;
  InputTimingProbe& operator=(const InputTimingProbe&) = delete;

  std::string_view name() const override { return "input_timing"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
  // The watchdog sheds timing collection under load: the reader stops and
  // input_activity.shed is set until it is resumed.
  void set_shed(bool shed);
  void shed_optional_work(bool shed) override { set_shed(shed); }

 private:
  struct LiveDevice {
    int fd = -1;
    decode::InputTimingAccumulator acc;
    decode::InputBehaviourCounters behaviour;  // points at lid_
    std::vector<uint8_t> partial;  // evdev returns whole records; anything else may split one
  };
  void start_reader(const std::filesystem::path& input_dir);
  void stop_reader();
  void reader_loop();
  void open_new_devices();  // holds mutex_

  std::mutex mutex_;
  std::map<std::string, LiveDevice> live_;  // by event node
  decode::LidTimeline lid_;                  // from the lid switch among live_, shared by all devices
  std::filesystem::path live_dir_;
  std::thread reader_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> shed_{false};
  std::atomic<bool> rescan_{false};
  WakePipe wake_;
};

}  // namespace telltale::platform::linux_probe
