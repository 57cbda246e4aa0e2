#pragma once
// Presence check: from the prompt times the helper reports and the kernel's
// own evdev streams, decide whether the requested physical action was done,
// by which kind of device, and how fast. Pure: events in, observation out.
//
// Only what the observation message holds leaves this function: the action,
// the device class (with VID:PID for external USB), timings and the session
// type. Key codes are read only to tell keyboard keys from pointer buttons
// and are never kept (tested: relabelling keys changes nothing).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "platform/decode/evdev_timing.h"
#include "telltale/v1/presence.pb.h"
#include "telltale/v1/snapshot.pb.h"

namespace telltale::decode {

// One kernel input device and what it delivered while the check ran.
struct PresenceDeviceStream {
  telltale::v1::InputDevice device;  // from /proc/bus/input/devices (bus, IDs, sysfs path)
  std::vector<InputEvent> events;    // timestamps on the same clock as the prompts
};

struct PresenceSession {
  telltale::v1::PresenceAction action = telltale::v1::PRESENCE_ACTION_UNSPECIFIED;
  // When the prompt (or, for the reaction task, each green box) was shown,
  // unix µs on the evdev clock (CLOCK_REALTIME, the kernel's default).
  std::vector<int64_t> prompts_us;
  int64_t deadline_us = 0;  // end of the answer window
  // Key presses the helper's window received (times only, never keys). A
  // press here with no kernel device pressing a key just before it was
  // injected above the kernel (XTEST, synthetic events).
  std::vector<int64_t> helper_keys_us;
  bool declined = false;
  bool helper_present = true;  // false: no session helper answered the agent
  // Set when no helper answered although logind has an active graphical
  // session ("x11 session 3 of uid 1000"): the helper was stopped or never
  // started, so the prompt could not be shown to a person who is there.
  std::string session_without_helper;
  std::string session_type;    // logind Type
  bool remote_session = false; // logind Remote
};

// A key press counts as an answer only if it reached the kernel at most this
// long before the helper saw it (X server and toolkit latency, loaded machine).
inline constexpr int64_t kHelperMatchWindowUs = 500'000;
// Presses earlier than this after a green box are anticipation, not reaction
// (no human reacts to a visual stimulus in under 100 ms).
inline constexpr int64_t kAnticipationUs = 100'000;

telltale::v1::PresenceDeviceClass classify_input_device(const telltale::v1::InputDevice& device);

telltale::v1::PresenceObservation observe_presence(const PresenceSession& session,
                                                   std::span<const PresenceDeviceStream> devices);

// One sentence for investigators: "built-in keyboard answered, median
// reaction 290 ms", "no answer within 120 s".
std::string describe_presence(telltale::v1::PresenceAction action, const telltale::v1::PresenceObservation& obs,
                              uint32_t answer_seconds);
std::string to_string(telltale::v1::PresenceDeviceClass c);
std::string to_string(telltale::v1::PresenceOutcome o);
std::string to_string(telltale::v1::PresenceAction a);

}  // namespace telltale::decode
