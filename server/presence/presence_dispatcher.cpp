#include "server/presence/presence_dispatcher.h"

#include <algorithm>
#include <chrono>

#include "platform/common/log.h"

namespace telltale::server {
namespace v1 = telltale::v1;

namespace {
// After delivery the agent has the answer window plus this to report; past
// it (agent restarted mid-check, result lost) the check ends without result.
constexpr int64_t kResultGraceMs = 5 * 60 * 1000;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

PresenceDispatcher::PresenceDispatcher(Store& store, TelemetryService& telemetry, PresenceLimits limits,
                                       std::chrono::milliseconds poll, PresenceSchedule schedule,
                                       ZoneOffset zone_offset)
    : store_(store),
      telemetry_(telemetry),
      limits_(std::move(limits)),
      poll_(poll),
      schedule_(std::move(schedule)),
      zone_offset_(std::move(zone_offset)) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      try {
        run_once(now_ms());
      } catch (const std::exception& e) {
        spdlog::warn("event=presence_dispatch_failed reason={}", log::q(e.what()));
      }
      lock.lock();
      cv_.wait_for(lock, poll_, [&] { return stopping_; });
    }
  });
}

PresenceDispatcher::~PresenceDispatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

size_t PresenceDispatcher::schedule_checks(int64_t now, const std::vector<std::string>& connected) {
  const double chance = chance_per_pass(schedule_, poll_.count());
  if (chance <= 0 || !zone_offset_) return 0;
  std::uniform_real_distribution<double> draw(0.0, 1.0);
  std::vector<std::string> drawn;
  for (const auto& id : connected)
    if (draw(rng_) < chance) drawn.push_back(id);
  if (drawn.empty()) return 0;
  // Read only on the rare pass that drew a laptop.
  const auto assignments = store_.assignments();
  size_t started = 0;
  for (const auto& id : drawn) {
    auto device = store_.device(id);
    if (!device) continue;
    const Assignment* a = nullptr;
    for (const auto& x : assignments)
      if (x.device_key == id || (!device->serial.empty() && x.device_key == device->serial)) a = &x;
    // Working hours are the assignee's: without a known zone there are none.
    const auto offset = a && !a->timezone.empty() ? zone_offset_(a->timezone, now) : std::nullopt;
    if (!offset) {
      spdlog::debug("event=presence_schedule_skipped device={} reason={}", id,
                    log::q(a ? "zone " + a->timezone + " unknown" : "no assignment with a timezone"));
      continue;
    }
    if (!within_working_hours(schedule_, now, *offset)) continue;
    auto result = start_presence_check(store_, {id, schedule_.action, "schedule", schedule_.reason}, limits_, now);
    if (auto* why = std::get_if<std::string>(&result)) {
      spdlog::info("event=presence_schedule_refused device={} reason={}", id, log::q(*why));
      continue;
    }
    ++started;
    spdlog::info("event=presence_check_scheduled check={} device={} action={}",
                 std::get<PresenceCheckRecord>(result).check_id, id, schedule_.action);
  }
  return started;
}

void PresenceDispatcher::run_once(int64_t now) {
  auto connected = telemetry_.connected_devices();
  std::sort(connected.begin(), connected.end());
  schedule_checks(now, connected);
  for (auto c : store_.presence_checks_in("queued", 256)) {
    if (now > c.expires_unix_ms) {
      c.status = "expired";
      c.outcome = "expired";
      c.summary = "expired before the laptop was online";
      store_.update_presence_check(c);
      spdlog::info("event=presence_check_expired check={} device={}", c.check_id, c.device_id);
      continue;
    }
    if (!std::binary_search(connected.begin(), connected.end(), c.device_id)) continue;
    v1::CollectorMessage msg;
    *msg.mutable_presence_request() = presence_request_for(c, limits_);
    // Stored as delivered before the push: an agent that answers at once
    // (no session: a millisecond) has its result stored by the stream's
    // thread, and a "delivered" written after it would overwrite the
    // answer (seen in CI: the check then expired as unanswered).
    c.status = "delivered";
    c.delivered_unix_ms = now;
    store_.update_presence_check(c);
    if (!telemetry_.push(c.device_id, msg)) {
      c.status = "queued";
      c.delivered_unix_ms = 0;
      store_.update_presence_check(c);
      continue;
    }
    spdlog::info("event=presence_check_delivered check={} device={} action={}", c.check_id, c.device_id, c.action);
  }
  for (auto c : store_.presence_checks_in("delivered", 256)) {
    if (now - c.delivered_unix_ms < int64_t{c.answer_seconds} * 1000 + kResultGraceMs) continue;
    c.status = "expired";
    c.outcome = "no_result";
    c.summary = "the agent took the check but sent no result";
    c.answered_unix_ms = now;  // settled: counts as unanswered evidence
    store_.update_presence_check(c);
    spdlog::warn("event=presence_check_no_result check={} device={}", c.check_id, c.device_id);
  }
}

}  // namespace telltale::server
