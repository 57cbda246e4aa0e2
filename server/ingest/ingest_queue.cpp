#include "server/ingest/ingest_queue.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "platform/common/log.h"

namespace telltale::server {

IngestQueue::IngestQueue(Store& store, size_t max_batch) : store_(store), max_batch_(max_batch) {
  // Test hook (like sqlite's fault injection): die right after a commit and
  // before any ack leaves, the one moment a crash could lose an ack. Used by
  // tests/integration to prove the agent's re-send is then stored once.
  if (const char* v = std::getenv("TELLTALE_FAULT_EXIT_AFTER_COMMIT")) fault_exit_after_commit_ = std::atoi(v);
  writer_ = std::thread([this] { run(); });
  completer_ = std::thread([this] { complete(); });
}

IngestQueue::~IngestQueue() { stop(); }

void IngestQueue::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(done_mu_);
    writer_done_ = true;
  }
  done_cv_.notify_all();
  if (completer_.joinable()) completer_.join();  // every committed batch is acknowledged first
}

double IngestQueue::commit_running_seconds() const {
  const int64_t started = commit_started_ns_.load();
  if (started == 0) return 0;
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  return std::max<int64_t>(0, now - started) / 1e9;
}

size_t IngestQueue::depth() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void IngestQueue::submit(std::string device_id, std::string peer, int64_t received_unix_ms,
                         std::shared_ptr<const telltale::v1::Report> report, Completion done) {
  Item item;
  item.in.device_id = std::move(device_id);
  item.in.peer = std::move(peer);
  item.in.received_unix_ms = received_unix_ms;
  item.in.report = report.get();
  item.owner = std::move(report);
  item.done = std::move(done);
  item.submitted = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      item.done(std::nullopt, {"collector is shutting down", StoreUnavailable::Cause::kUnreachable});
      return;
    }
    queue_.push_back(std::move(item));
  }
  cv_.notify_one();
}

void IngestQueue::run() {
  std::vector<Item> batch;
  std::vector<IncomingReport> incoming;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // On stop, what is queued is still stored: those agents are waiting for acks.
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    incoming.clear();
    for (const auto& item : batch) incoming.push_back(item.in);
    std::vector<IngestResult> results;
    Failure failure;
    const auto started = std::chrono::steady_clock::now();
    commit_started_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(started.time_since_epoch()).count();
    try {
      results = store_.ingest(incoming);
    } catch (const StoreUnavailable& e) {
      failure = {e.what(), e.cause()};
    } catch (const std::exception& e) {
      failure = {e.what(), StoreUnavailable::Cause::kUnreachable};
    }
    commit_started_ns_ = 0;
    const bool failed = !failure.message.empty();
    if (failed)
      spdlog::error("event=ingest_failed batch={} cause={} error={}", batch.size(),
                    failure.cause == StoreUnavailable::Cause::kExhausted ? "exhausted" : "unreachable",
                    log::q(failure.message));
    if (!failed && fault_exit_after_commit_ > 0 && ++commits_seen_ >= fault_exit_after_commit_) {
      spdlog::critical("event=fault_injected point=after_commit_before_ack");
      std::_Exit(137);
    }
    Committed done;
    done.committed = std::chrono::steady_clock::now();
    commit_seconds_.observe(std::chrono::duration<double>(done.committed - started).count());
    if (!failed) ++batches_;
    done.items = std::move(batch);
    done.results = std::move(results);
    done.failure = std::move(failure);
    {
      std::lock_guard lock(done_mu_);
      committed_.push_back(std::move(done));
    }
    done_cv_.notify_one();
    batch.clear();
  }
}

void IngestQueue::complete() {
  int stall_warnings = 0;  // for the commit running now
  for (;;) {
    Committed done;
    {
      std::unique_lock lock(done_mu_);
      // Woken at least every few seconds to watch the writer: a store call
      // that never returns raises no error anywhere else.
      while (!done_cv_.wait_for(lock, std::chrono::seconds(2), [&] { return writer_done_ || !committed_.empty(); })) {
        const double running = commit_running_seconds();
        if (running >= kStallWarnSeconds * (stall_warnings + 1)) {
          ++stall_warnings;
          spdlog::error("event=ingest_stalled running_s={:.0f} queued={} note={}", running, depth(),
                        log::q("the store has not answered; agents keep their reports until it does"));
        } else if (running == 0) {
          stall_warnings = 0;
        }
      }
      if (committed_.empty()) return;  // the writer has stopped and everything is acknowledged
      done = std::move(committed_.front());
      committed_.pop_front();
    }
    auto& batch = done.items;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (done.failure.message.empty()) batch[i].done(done.results[i], {});
      else batch[i].done(std::nullopt, done.failure);
      ack_seconds_.observe(std::chrono::duration<double>(done.committed - batch[i].submitted).count());
    }
    if (!done.failure.message.empty() || !after_commit_) continue;
    std::set<std::string> ids;
    for (size_t i = 0; i < batch.size(); ++i)
      if (done.results[i].outcome == IngestOutcome::kStored) ids.insert(batch[i].in.device_id);
    if (ids.empty()) continue;
    try {
      after_commit_({ids.begin(), ids.end()});
    } catch (const std::exception& e) {
      spdlog::error("event=after_commit_failed error={}", log::q(e.what()));
    }
  }
}

}  // namespace telltale::server
