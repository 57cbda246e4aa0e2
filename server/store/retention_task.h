#pragma once
// Retention enforced continuously (issue 19): a background thread that
// prunes the store to its windows (Store::prune) every `interval`, in
// batches of `batch_rows` per kind and device so ingest never waits long,
// and keeps the figures /metrics shows (oldest row per kind, rows pruned).
// Time comes through a Clock so tests move it instead of sleeping.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "server/store/store.h"

namespace telltale::server {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() override;
};

struct RetentionOptions {
  RetentionPolicy policy;
  std::chrono::seconds interval{300};
  size_t batch_rows = 500;
};

class RetentionTask {
 public:
  RetentionTask(Store& store, RetentionOptions options, Clock& clock);
  ~RetentionTask();
  RetentionTask(const RetentionTask&) = delete;

  // One pass at the clock's now: batches until nothing older than the
  // windows is left (or stop() was asked), then refreshes the oldest rows.
  PruneResult run_once();
  void start();
  void stop();
  // Prometheus text: telltale_store_oldest_row_unix_ms{kind} and
  // telltale_retention_pruned_rows_total{kind}.
  std::string metrics_text();

 private:
  void loop();

  Store& store_;
  const RetentionOptions options_;
  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
  OldestRows oldest_;      // mu_
  PruneResult pruned_;     // mu_, since start
  bool measured_ = false;  // mu_
};

}  // namespace telltale::server
