#pragma once
// A simulated agent inside the test process: the agent's own Spool and
// Transport classes (the code that decides what is re-sent and what is
// forgotten), fed by a producer thread instead of the probes. Ten of them
// stream 1,000 reports in seconds, where ten agent processes at the
// smallest --collect-interval (1 s) would need 100 s.
#include <atomic>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "agent/spool/spool.h"
#include "agent/transport/transport.h"

namespace telltale::testing {

class SimAgent {
 public:
  // Enrolls through the Enrollment RPC with `token` (real key and CSR).
  SimAgent(const std::string& token, const std::filesystem::path& state_dir, const std::string& fixture_root);
  ~SimAgent();

  // Appends `count` reports, one every `every`, while the transport streams them.
  void start(int count, std::chrono::milliseconds every);
  bool producing_done() const { return produced_ >= target_; }
  void stop();

  const std::string& device_id() const { return device_id_; }
  agent::Spool& spool() { return *spool_; }
  uint64_t acknowledged() const { return transport_ ? transport_->acknowledged() : 0; }
  uint64_t channel_resets() const { return transport_ ? transport_->channel_resets() : 0; }
  // Seqs assigned and no longer in the spool: the collector acknowledged them.
  std::set<uint64_t> acked_seqs();

 private:
  std::string device_id_;
  std::unique_ptr<agent::Spool> spool_;
  std::unique_ptr<agent::Transport> transport_;
  std::thread producer_, sender_;
  std::atomic<int> produced_{0};
  int target_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace telltale::testing
