#pragma once
// The agent's side of Telltale.Connect: sends what the spool holds, deletes
// only what the collector acknowledged, heartbeats for RTT, and reconnects
// with jittered backoff. Sessions are sync gRPC: one writer (this thread)
// and one reader thread per session, the pattern gRPC allows on one stream.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "agent/spool/spool.h"
#include "agent/transport/backoff.h"
#include "agent/transport/rtt_window.h"
#include "platform/common/clock.h"
#include "telltale/v1/telemetry.grpc.pb.h"

namespace telltale::agent {

struct TransportOptions {
  std::string address;
  std::string ca_pem, key_pem, cert_pem;
  size_t max_message_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds heartbeat_interval{30000};
  size_t window = 32;  // reports sent and not yet acknowledged
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_cap{300000};
  // Sessions failing as UNAVAILABLE for this long get a fresh channel (see run()).
  std::chrono::milliseconds channel_reset_after{15000};
  // How long a session waits for the channel to connect before it counts as
  // failed, and how long it gives a channel in TRANSIENT_FAILURE to come back
  // (gRPC retries at most 2 s apart); see wait_for_connection().
  std::chrono::milliseconds connect_timeout{20000};
  std::chrono::milliseconds reconnect_wait{3000};
  std::string agent_version = TELLTALE_VERSION;
  int64_t started_at_unix_ms = 0;
};

struct TransportCallbacks {
  std::function<void(const telltale::v1::ConfigUpdate&)> on_config;
  std::function<void(const telltale::v1::ScanResult&)> on_scan_result;
  // Runs on the reader thread: must hand the request off, not run it.
  std::function<void(const telltale::v1::PresenceRequest&)> on_presence_request;
};

class Transport {
 public:
  Transport(TransportOptions options, Spool& spool, TransportCallbacks callbacks,
            const Clock& clock = SystemClock::instance());
  ~Transport();

  // Sessions with backoff until stop(). Blocks.
  void run();
  // Ends the current session and run(); safe from any thread.
  void stop();
  // A new report is in the spool.
  void notify();
  // Queues a message outside the spool (a presence result): written in the
  // current session or the next one; kept in memory only.
  void send(telltale::v1::AgentMessage message);

  void set_heartbeat_interval(std::chrono::milliseconds interval) { heartbeat_ms_ = interval.count(); }
  // Round trips since the previous call (one report's window, rtt_window.h).
  telltale::v1::RttSummary collector_rtt();
  bool connected() const { return connected_; }
  uint64_t acknowledged() const { return acked_; }
  uint64_t sessions() const { return sessions_; }
  uint64_t channel_resets() const { return channel_resets_; }
  // Sessions the collector ended with INVALID_ARGUMENT (a frame it could not parse).
  uint64_t streams_refused_invalid() const { return streams_refused_invalid_; }

 private:
  grpc::Status session();
  grpc::Status wait_for_connection();
  void open_channel();

  TransportOptions options_;
  Spool& spool_;
  TransportCallbacks callbacks_;
  const Clock& clock_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<telltale::v1::Telemetry::Stub> stub_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool wake_ = false;
  grpc::ClientContext* active_ = nullptr;
  RttWindow rtt_;  // pongs since the last report (collector_rtt takes them)
  std::deque<telltale::v1::AgentMessage> outbox_;  // guarded by mu_
  std::atomic<int64_t> heartbeat_ms_;
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> acked_{0};
  std::atomic<uint64_t> channel_resets_{0};
  std::atomic<uint64_t> sessions_{0};
  std::atomic<uint64_t> streams_refused_invalid_{0};
};

}  // namespace telltale::agent
