#pragma once
// Delivers queued presence checks to agents. Checks live in the store (ctl
// and the console write them there, and with PostgreSQL any collector may
// hold the device's stream), so each collector polls for queued checks of
// the devices connected to it and pushes them on their streams; a device
// that is offline gets its check when it reconnects, until the check expires.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/ingest/telemetry_service.h"
#include "server/presence/presence_checks.h"

namespace telltale::server {

class PresenceDispatcher {
 public:
  PresenceDispatcher(Store& store, TelemetryService& telemetry, PresenceLimits limits,
                     std::chrono::milliseconds poll);
  ~PresenceDispatcher();
  PresenceDispatcher(const PresenceDispatcher&) = delete;
  PresenceDispatcher& operator=(const PresenceDispatcher&) = delete;
  // One pass (also what the thread runs): expire, deliver, give up on silent agents.
  void run_once(int64_t now_ms);

 private:
  Store& store_;
  TelemetryService& telemetry_;
  PresenceLimits limits_;
  std::chrono::milliseconds poll_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace telltale::server
