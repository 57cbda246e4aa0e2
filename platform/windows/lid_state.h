#pragma once
// The lid switch on Windows: GUID_LIDSWITCH_STATE_CHANGE power-setting
// notifications (RegisterPowerSettingNotification; Windows sends the current
// state right after registering, then each change: 0 closed, 1 open) reduced
// by the same LidTimeline as Linux' SW_LID events into Snapshot.lid.
// Behind LidSource: Wine 8 sends no power-setting notifications, so tests
// feed recorded ones.
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "platform/decode/evdev_behaviour.h"
#include "platform/probe.h"

namespace telltale::platform::windows_probe {

struct LidNotification {
  int64_t t_us = 0;     // wall clock when it arrived
  uint32_t state = 0;   // the notification's DWORD: 0 closed, 1 open
};

class LidSource {
 public:
  virtual ~LidSource() = default;
  // Notifications since the previous call, oldest first.
  virtual std::vector<LidNotification> take() = 0;
  // "" or why notifications cannot arrive (registration refused).
  virtual std::string error() const { return {}; }
};

// A hidden window on its own thread registered for the lid notification.
class SystemLid final : public LidSource {
 public:
  SystemLid();
  ~SystemLid() override;
  std::vector<LidNotification> take() override;
  std::string error() const override;

 private:
  void run();
  mutable std::mutex mutex_;
  std::vector<LidNotification> pending_;
  std::string error_;
  void* window_ = nullptr;  // HWND, set by the thread
  std::thread thread_;
  bool started_ = false;
};

class LidProbe final : public Probe {
 public:
  explicit LidProbe(LidSource& source) : source_(source) {}
  std::string_view name() const override { return "lid"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;

 private:
  LidSource& source_;
  decode::LidTimeline timeline_;
  bool seen_ = false;   // a first notification (the state at registration) arrived
  bool closed_ = false;
};

}  // namespace telltale::platform::windows_probe
