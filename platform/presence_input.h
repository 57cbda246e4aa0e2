#pragma once
// What a presence check needs from the OS: the kernel's input devices'
// events while the prompt is up, and the user session's type. Linux reads
// evdev under a root (linux/presence_input.cpp); Windows would take Raw Input
// device handles and LLKHF_INJECTED, macOS IOHIDDevice's Built-In flag and
// AppleClamshellState (docs/ARCHITECTURE.md, "Presence check").
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "platform/decode/presence_observation.h"

namespace telltale::platform {

struct UserSession {
  std::string id;      // logind session id
  uint32_t uid = 0;
  std::string type;    // x11, wayland, tty, mir, unspecified
  bool remote = false;
  bool active = false;
};

class PresenceInputCapture {
 public:
  virtual ~PresenceInputCapture() = default;
  // Starts observing every input device (before the prompt is shown, so no
  // answer can arrive unseen).
  virtual void start() = 0;
  // Stops and returns what each device delivered since start(); errors
  // (unreadable recording, device not openable) are appended to `errors`.
  virtual std::vector<decode::PresenceDeviceStream> finish(std::vector<std::string>& errors) = 0;
  // Whether any device can report the lid switch.
  virtual bool has_lid_switch() = 0;
  // The graphical sessions (for the helper's session type).
  virtual std::vector<UserSession> sessions() = 0;
  // Keeps the laptop from suspending when its lid closes, until finish();
  // returns why it cannot ("" when held). Only the lid action asks for it.
  virtual std::string inhibit_lid_suspend(std::chrono::seconds max) {
    (void)max;
    return "not supported on this operating system";
  }
};

}  // namespace telltale::platform
