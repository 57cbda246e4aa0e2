#pragma once
// The alert outbox's worker: raises alerts from new verdicts (alert_feed.h)
// and delivers due deliveries, each retried with exponential backoff until it
// is delivered or has used its attempts (then "failed", kept with its last
// error). Runs on its own thread in the console, or one pass at a time with
// an explicit clock (tests).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "server/console/alert_db.h"
#include "server/store/store.h"

namespace telltale::server::console {

struct AlertDispatchOptions {
  int64_t retry_base_ms = 5000;               // wait after the first failure; doubles after each
  int64_t retry_max_ms = 15LL * 60 * 1000;     // longest wait between two attempts
  int max_attempts = 12;                       // then the delivery is failed (about 1.5 h of retries)
  std::chrono::milliseconds send_timeout{10000};
};

class AlertDispatcher {
 public:
  AlertDispatcher(AlertDb& alerts, Store& store, AlertDispatchOptions options = {});
  ~AlertDispatcher();

  // One pass at `now_ms`: raise alerts for new verdicts, then attempt every
  // delivery due. Returns how many deliveries were attempted.
  size_t run_once(int64_t now_ms);
  // Attempts one delivery now (the "send test" button waits for it) and
  // returns it as stored afterwards.
  DeliveryRecord attempt(const DeliveryRecord& d, int64_t now_ms);
  // When the n-th attempt (1-based) failed: the next one's time.
  int64_t next_attempt(int attempts, int64_t now_ms) const;

  // A pass every `interval` on the system clock until stop().
  void start(std::chrono::milliseconds interval);
  void stop();

 private:
  AlertDb& alerts_;
  Store& store_;
  AlertDispatchOptions options_;
  std::mutex run_mu_;  // one pass (or test attempt) at a time: a delivery is never attempted twice at once
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace telltale::server::console
