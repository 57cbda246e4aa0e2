#include "server/console/alert_dispatcher.h"

#include <algorithm>

#include "platform/common/log.h"
#include "server/console/alert_feed.h"
#include "server/console/alert_formats.h"
#include "server/console/alert_transport.h"

namespace telltale::server::console {

AlertDispatcher::AlertDispatcher(AlertDb& alerts, Store& store, AlertDispatchOptions options)
    : alerts_(alerts), store_(store), options_(options) {}

AlertDispatcher::~AlertDispatcher() { stop(); }

int64_t AlertDispatcher::next_attempt(int attempts, int64_t now_ms) const {
  int64_t wait = options_.retry_base_ms;
  for (int i = 1; i < attempts && wait < options_.retry_max_ms; ++i) wait *= 2;
  return now_ms + std::min(wait, options_.retry_max_ms);
}

DeliveryRecord AlertDispatcher::attempt(const DeliveryRecord& listed, int64_t now_ms) {
  std::lock_guard run(run_mu_);
  // Read again under the lock: a pass may have listed this delivery as due
  // while a "send test" was sending it; it must not go out twice.
  auto current = alerts_.delivery(listed.id);
  if (!current || current->state != "pending") return current ? *current : listed;
  const DeliveryRecord& d = *current;
  auto channel = alerts_.channel(d.channel_id);
  std::string error;
  if (!channel) {
    error = "channel " + std::to_string(d.channel_id) + " no longer exists";
  } else {
    const bool test = d.alert_id == 0;
    auto alert = test ? std::optional<AlertRecord>(test_alert(now_ms)) : alerts_.alert(d.alert_id);
    if (!alert) error = "alert " + std::to_string(d.alert_id) + " no longer exists";
    else error = send_alert(*channel, *alert, test, now_ms, options_.send_timeout);
  }
  if (error.empty()) {
    alerts_.mark_delivered(d.id, now_ms);
    spdlog::info("event=alert_delivered delivery={} alert={} channel={} attempt={}", d.id, d.alert_id, d.channel_id,
                 d.attempts + 1);
  } else {
    const int attempts = d.attempts + 1;
    // A test is one attempt: the admin is watching and retries by pressing again.
    const bool give_up = attempts >= options_.max_attempts || d.alert_id == 0 || !channel;
    alerts_.mark_attempt_failed(d.id, error, now_ms, next_attempt(attempts, now_ms), give_up);
    spdlog::warn("event=alert_delivery_failed delivery={} alert={} channel={} attempt={} gave_up={} error={}", d.id,
                 d.alert_id, d.channel_id, attempts, give_up, log::q(error));
  }
  return *alerts_.delivery(d.id);
}

size_t AlertDispatcher::run_once(int64_t now_ms) {
  sync_alerts(alerts_, store_, now_ms);
  size_t attempted = 0;
  for (auto& d : alerts_.due(now_ms)) {
    attempt(d, now_ms);
    ++attempted;
  }
  return attempted;
}

void AlertDispatcher::start(std::chrono::milliseconds interval) {
  worker_ = std::thread([this, interval] {
    for (;;) {
      {
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, interval, [this] { return stopping_; })) return;
      }
      try {
        run_once(std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count());
      } catch (const std::exception& e) {
        spdlog::error("event=alert_pass_failed error={}", log::q(e.what()));
      }
    }
  });
}

void AlertDispatcher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

}  // namespace telltale::server::console
