#pragma once
// Group commit: reports from every connected agent queue here; one writer
// thread stores them in batches (one transaction, one fsync per batch) and
// only then runs each report's completion, which sends the Ack. Batching is
// what lets sqlite with synchronous=FULL keep up with thousands of agents.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "server/store/store.h"

namespace telltale::server {

class IngestQueue {
 public:
  // result is nullopt when the store could not take the batch (disk full,
  // I/O error): nothing was stored and no ack may be sent; `error` says why.
  using Completion = std::function<void(std::optional<IngestResult> result, const std::string& error)>;
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

 private:
  struct Item {
    IncomingReport in;
    std::shared_ptr<const telltale::v1::Report> owner;
    Completion done;
  };
  void run();

  Store& store_;
  size_t max_batch_;
  AfterCommit after_commit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> batches_{0};
  int fault_exit_after_commit_ = 0;
  int commits_seen_ = 0;
  std::thread writer_;
};

}  // namespace telltale::server
