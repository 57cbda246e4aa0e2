#pragma once
// The agent's presence checks: requests arrive on the transport's reader
// thread and are run one at a time on this service's own thread (a check
// waits minutes for a person), each result handed to `deliver` signed.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "agent/presence/presence_runner.h"

namespace telltale::agent {

class PresenceService {
 public:
  using MakeCapture = std::function<std::unique_ptr<platform::PresenceInputCapture>()>;
  using Deliver = std::function<void(telltale::v1::SignedPresenceResult)>;

  PresenceService(PresenceIdentity identity, MakeCapture make_capture, PresencePrompter& prompter, Deliver deliver);
  ~PresenceService();
  PresenceService(const PresenceService&) = delete;
  PresenceService& operator=(const PresenceService&) = delete;

  // A check id seen before is ignored: the collector re-sends a request it
  // has no answer for after a reconnect.
  void submit(const telltale::v1::PresenceRequest& request);

 private:
  void loop();
  PresenceIdentity identity_;
  MakeCapture make_capture_;
  PresencePrompter& prompter_;
  Deliver deliver_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<telltale::v1::PresenceRequest> queue_;
  std::set<std::string> seen_;
  bool stopping_ = false;
  std::thread worker_;
};

// Used where no session helper is reachable: every check answers "no session".
class NoHelperPrompter final : public PresencePrompter {
 public:
  PromptReport prompt(const telltale::v1::PresenceRequest&) override { return {}; }
};

}  // namespace telltale::agent
