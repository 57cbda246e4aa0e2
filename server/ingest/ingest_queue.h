#pragma once
// Group commit: reports from every connected agent queue here; one writer
// thread stores them in batches (one transaction, one fsync per batch) and
// hands each committed batch to a completer thread, which runs each report's
// completion (it sends the Ack) and the after-commit hook, and frees the
// reports. Batching is what lets sqlite with synchronous=FULL keep up with
// thousands of agents; the completer lets the writer start the next batch
// while the acks of the last one go out (under load the acks and the
// reports' destruction were a third of the writer's time).
//
// Invariant: a completion runs only after the commit that stored its report
// returned; completions run in commit order, so one stream's acks stay in
// order.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "server/metrics/histogram.h"
#include "server/store/store.h"

namespace telltale::server {

class IngestQueue {
 public:
  // Why the store could not take a batch; empty message: it did.
  struct Failure {
    std::string message;
    StoreUnavailable::Cause cause = StoreUnavailable::Cause::kUnreachable;
  };
  // result is nullopt when the store could not take the batch (disk full,
  // database down): nothing was stored and no ack may be sent; `failure` says why.
  using Completion = std::function<void(std::optional<IngestResult> result, const Failure& failure)>;
  // Runs on the writer thread after each committed batch (detection hooks in here).
  using AfterCommit = std::function<void(const std::vector<std::string>& device_ids)>;

  explicit IngestQueue(Store& store, size_t max_batch = 512);
  ~IngestQueue();

  void set_after_commit(AfterCommit hook) { after_commit_ = std::move(hook); }

  void submit(std::string device_id, std::string peer, int64_t received_unix_ms,
              std::shared_ptr<const telltale::v1::Report> report, Completion done);
  void stop();

  uint64_t committed_batches() const { return batches_; }
  size_t depth();
  // Wall time of each batch's store_.ingest() (insert + commit + fsync).
  const metrics::Histogram& commit_seconds() const { return commit_seconds_; }
  // Per report, from submit() to its completion (the ack): queueing + commit.
  const metrics::Histogram& ack_seconds() const { return ack_seconds_; }
  // How long the commit in progress has been running; 0 when none is. A
  // store that hangs (a frozen database server whose kernel still answers
  // TCP) shows here, and is logged as event=ingest_stalled every
  // kStallWarnSeconds, because nothing else fails: acks just stop.
  double commit_running_seconds() const;
  static constexpr int kStallWarnSeconds = 10;

 private:
  struct Item {
    IncomingReport in;
    std::shared_ptr<const telltale::v1::Report> owner;
    Completion done;
    std::chrono::steady_clock::time_point submitted;
  };
  struct Committed {
    std::vector<Item> items;
    std::vector<IngestResult> results;  // empty when failure.message is set
    Failure failure;
    std::chrono::steady_clock::time_point committed;
  };
  void run();
  void complete();

  Store& store_;
  size_t max_batch_;
  AfterCommit after_commit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> batches_{0};
  std::atomic<int64_t> commit_started_ns_{0};  // steady clock; 0: no commit running
  metrics::Histogram commit_seconds_;
  metrics::Histogram ack_seconds_;
  int fault_exit_after_commit_ = 0;
  int commits_seen_ = 0;
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::deque<Committed> committed_;
  bool writer_done_ = false;
  std::thread writer_;
  std::thread completer_;
};

}  // namespace telltale::server
