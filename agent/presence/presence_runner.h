#pragma once
// Runs one presence check on the laptop: starts watching the kernel's input
// devices, has the user's session helper show the prompt, observes the
// answer (platform/decode/presence_observation.h) and signs the result with
// the device key so the stored result stands on its own as evidence.
#include <memory>
#include <string>
#include <vector>

#include "platform/common/clock.h"
#include "platform/presence_input.h"
#include "telltale/v1/presence.pb.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::agent {

// What the session helper reported: when it showed the prompt (each green
// box for the reaction task), the times of key presses its window got, and
// whether the user declined. Times are unix µs (CLOCK_REALTIME, the evdev clock).
struct PromptReport {
  bool helper_present = false;
  // No helper, but logind has an active graphical session (decode::PresenceSession).
  std::string session_without_helper;
  std::vector<int64_t> prompts_us;
  std::vector<int64_t> helper_keys_us;
  bool declined = false;
  std::string session_type;
  bool remote_session = false;
};

// The boundary to the per-user helper (agent/presence/helper_socket.h on
// Linux; a named pipe on Windows later). Blocks until the helper is done or
// the answer window has passed.
class PresencePrompter {
 public:
  virtual ~PresencePrompter() = default;
  virtual PromptReport prompt(const telltale::v1::PresenceRequest& request) = 0;
  // Makes a running prompt() return soon (agent shutdown); safe from any thread.
  virtual void cancel() {}
};

struct PresenceIdentity {
  std::string device_id;
  std::string key_pem;
  std::string cert_pem;
};

// Never throws for what the laptop lacks (no helper, no lid switch): that is
// an outcome. `capture` may be null (an OS without a capture yet).
telltale::v1::SignedPresenceResult run_presence_check(const telltale::v1::PresenceRequest& request,
                                                      platform::PresenceInputCapture* capture,
                                                      PresencePrompter& prompter, const PresenceIdentity& identity,
                                                      const Clock& clock = SystemClock::instance());

// Signs an already filled result (also used for "expired").
telltale::v1::SignedPresenceResult sign_presence_result(const telltale::v1::PresenceResult& result,
                                                        const PresenceIdentity& identity);

}  // namespace telltale::agent
