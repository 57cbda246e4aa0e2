#include "server/store/retention_task.h"

#include "platform/common/log.h"

namespace telltale::server {

int64_t SystemClock::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RetentionTask::RetentionTask(Store& store, RetentionOptions options, Clock& clock)
    : store_(store), options_(options), clock_(clock) {}

RetentionTask::~RetentionTask() { stop(); }

PruneResult RetentionTask::run_once() {
  const int64_t now = clock_.now_ms();
  PruneResult pass;
  for (;;) {
    auto r = store_.prune(options_.policy, now, options_.batch_rows);
    pass.reports += r.reports;
    pass.events += r.events;
    pass.verdicts += r.verdicts;
    pass.conflicts += r.conflicts;
    std::lock_guard lock(mu_);
    if (!r.more || stopping_) break;
  }
  auto oldest = store_.oldest_rows();
  {
    std::lock_guard lock(mu_);
    oldest_ = oldest;
    measured_ = true;
    pruned_.reports += pass.reports;
    pruned_.events += pass.events;
    pruned_.verdicts += pass.verdicts;
    pruned_.conflicts += pass.conflicts;
  }
  if (pass.total() > 0)
    spdlog::info("event=retention_pruned reports={} events={} verdicts={} conflicts={}", pass.reports, pass.events,
                 pass.verdicts, pass.conflicts);
  return pass;
}

void RetentionTask::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void RetentionTask::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetentionTask::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    try {
      run_once();
    } catch (const std::exception& e) {
      // The store may be down for a while; the next pass tries again.
      spdlog::warn("event=retention_failed error={}", log::q(e.what()));
    }
    lock.lock();
    cv_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

std::string RetentionTask::metrics_text() {
  std::lock_guard lock(mu_);
  std::string out;
  if (measured_) {
    out += "# HELP telltale_store_oldest_row_unix_ms Oldest row the store keeps, per kind (0: none).\n"
           "# TYPE telltale_store_oldest_row_unix_ms gauge\n";
    for (auto [kind, ms] : {std::pair{"reports", oldest_.reports_ms}, {"events", oldest_.events_ms},
                            {"verdicts", oldest_.verdicts_ms}, {"conflicts", oldest_.conflicts_ms}})
      out += std::string("telltale_store_oldest_row_unix_ms{kind=\"") + kind + "\"} " + std::to_string(ms) + "\n";
  }
  out += "# HELP telltale_retention_pruned_rows_total Rows retention deleted since the collector started.\n"
         "# TYPE telltale_retention_pruned_rows_total counter\n";
  for (auto [kind, n] : {std::pair{"reports", pruned_.reports}, {"events", pruned_.events},
                         {"verdicts", pruned_.verdicts}, {"conflicts", pruned_.conflicts}})
    out += std::string("telltale_retention_pruned_rows_total{kind=\"") + kind + "\"} " + std::to_string(n) + "\n";
  return out;
}

}  // namespace telltale::server
