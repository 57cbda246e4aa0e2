#pragma once
// Delivers queued presence checks to agents. Checks live in the store (ctl
// and the console write them there, and with PostgreSQL any collector may
// hold the device's stream), so each collector polls for queued checks of
// the devices connected to it and pushes them on their streams; a device
// that is offline gets its check when it reconnects, until the check expires.
// It also starts routine checks (PresenceSchedule) on the laptops connected
// to it, at random times inside their assignees' working hours.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "server/ingest/telemetry_service.h"
#include "server/presence/presence_checks.h"
#include "server/presence/presence_schedule.h"

namespace telltale::server {

class PresenceDispatcher {
 public:
  // A zone's offset east of UTC at an instant; nullopt for an unknown zone.
  using ZoneOffset = std::function<std::optional<int>(const std::string& zone, int64_t unix_ms)>;

  PresenceDispatcher(Store& store, TelemetryService& telemetry, PresenceLimits limits,
                     std::chrono::milliseconds poll, PresenceSchedule schedule = {}, ZoneOffset zone_offset = {});
  ~PresenceDispatcher();
  PresenceDispatcher(const PresenceDispatcher&) = delete;
  PresenceDispatcher& operator=(const PresenceDispatcher&) = delete;
  // One pass (also what the thread runs): expire, deliver, give up on silent agents.
  void run_once(int64_t now_ms);
  // The routine-check part of a pass: each of `connected` with the pass's
  // chance, kept when its assignee is inside working hours. Returns how many
  // checks were started.
  size_t schedule_checks(int64_t now_ms, const std::vector<std::string>& connected);

 private:

  Store& store_;
  TelemetryService& telemetry_;
  PresenceLimits limits_;
  std::chrono::milliseconds poll_;
  PresenceSchedule schedule_;
  ZoneOffset zone_offset_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace telltale::server
