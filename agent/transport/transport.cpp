#include "agent/transport/transport.h"

#include <optional>
#include <set>
#include <thread>

#include "platform/common/log.h"
#include "platform/host_platform.h"
#include "platform/decode/rtt_summary.h"

namespace telltale::agent {
namespace v1 = telltale::v1;

Transport::Transport(TransportOptions options, Spool& spool, TransportCallbacks callbacks, const Clock& clock)
    : options_(std::move(options)), spool_(spool), callbacks_(std::move(callbacks)), clock_(clock),
      heartbeat_ms_(options_.heartbeat_interval.count()) {
  open_channel();
}

void Transport::open_channel() {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = options_.ca_pem;
  tls.pem_private_key = options_.key_pem;
  tls.pem_cert_chain = options_.cert_pem;
  grpc::ChannelArguments args;
  // The collector's certificate names one fixed DNS name whatever address we
  // dial; the CA is already pinned, so this loses nothing.
  args.SetSslTargetNameOverride("telltale-collector");
  args.SetMaxReceiveMessageSize(static_cast<int>(options_.max_message_bytes));
  args.SetMaxSendMessageSize(static_cast<int>(options_.max_message_bytes));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  // gRPC's own reconnect backoff stays short: ours (jittered) paces sessions.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // A fresh channel must mean a fresh connection: with the process-wide
  // subchannel pool a new channel would inherit the old one's stuck attempt.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  channel_ = grpc::CreateCustomChannel(options_.address, grpc::SslCredentials(tls), args);
  stub_ = v1::Telemetry::NewStub(channel_);
}

Transport::~Transport() { stop(); }

void Transport::stop() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  if (active_) active_->TryCancel();
  cv_.notify_all();
}

void Transport::notify() {
  std::lock_guard lock(mu_);
  wake_ = true;
  cv_.notify_all();
}

void Transport::send(v1::AgentMessage message) {
  std::lock_guard lock(mu_);
  outbox_.push_back(std::move(message));
  wake_ = true;
  cv_.notify_all();
}

v1::RttSummary Transport::collector_rtt() {
  std::lock_guard lock(mu_);
  return rtt_.take();
}

void Transport::run() {
  Backoff backoff(options_.backoff_base, options_.backoff_cap);
  std::optional<std::chrono::steady_clock::time_point> failing_since;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    const uint64_t acked_before = acked_;
    const auto started = std::chrono::steady_clock::now();
    grpc::Status status = session();
    connected_ = false;
    // A session that made progress or lasted a while was healthy: start the
    // backoff from the bottom again.
    // A session the collector ended as INVALID_ARGUMENT (a frame it could not
    // parse) is not healthy even if it acknowledged the reports before that
    // frame: the same spool row would be sent again at once, so the backoff
    // keeps growing until the row changes (nothing was acknowledged for it, so
    // it stays in the spool and nothing is lost).
    const bool invalid = status.error_code() == grpc::StatusCode::INVALID_ARGUMENT;
    if (invalid) ++streams_refused_invalid_;
    if (!invalid && (acked_ > acked_before || std::chrono::steady_clock::now() - started > std::chrono::seconds(60)))
      backoff.reset();
    // gRPC's pick_first stays in TRANSIENT_FAILURE until a connection is READY
    // and fails our sessions fast with the last error meanwhile; a connection
    // attempt that stalls (seen after a collector restart, the TCP connection
    // open and no handshake for a minute) then holds every session back. A
    // new channel after channel_reset_after of such failures starts over.
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE && acked_ == acked_before) {
      if (!failing_since) failing_since = std::chrono::steady_clock::now();
      if (std::chrono::steady_clock::now() - *failing_since >= options_.channel_reset_after) {
        spdlog::warn("event=channel_reset failing_for_ms={}",
                     std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                           *failing_since)
                         .count());
        open_channel();
        ++channel_resets_;
        failing_since.reset();
      }
    } else {
      failing_since.reset();
    }
    auto delay = backoff.next();
    const bool refused = status.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
                         status.error_code() == grpc::StatusCode::UNAUTHENTICATED;
    if (refused) delay = std::max(delay, std::chrono::milliseconds(options_.backoff_cap));
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
      if (refused)
        spdlog::error("event=collector_refused_device code={} message={} retry_in_ms={}",
                      static_cast<int>(status.error_code()), log::q(status.error_message()), delay.count());
      else if (invalid)
        spdlog::error("event=stream_refused code=INVALID_ARGUMENT detail={} refusals={} action=keep_spool retry_in_ms={}",
                      log::q(status.error_message()), streams_refused_invalid_.load(), delay.count());
      else
        spdlog::warn("event=session_ended code={} message={} retry_in_ms={}", static_cast<int>(status.error_code()),
                     log::q(status.error_message()), delay.count());
      cv_.wait_for(lock, delay, [&] { return stopping_; });
    }
  }
}

// The synchronous API only drives a channel's I/O while some thread waits on
// it. A stream opened on a channel in TRANSIENT_FAILURE fails at once with the
// last error, so between sessions nobody waited: a reconnect attempt after a
// collector restart advanced only when gRPC's timers happened to poll
// (traced: TCP connect done after 3-13 s, TLS handshake 6 s later, every
// agent stuck until the 15 s channel reset). Waiting here on the channel's
// state polls it, so a connection attempt runs to its end as fast as the
// network allows:
// - IDLE or CONNECTING: until READY or the attempt fails (connect_timeout at most);
// - TRANSIENT_FAILURE: gRPC 1.51's pick_first stays there through its next
//   attempts, so attempts cannot be told apart; give it reconnect_wait.
// Then the stream either works or fails with gRPC's precise error, and our
// jittered backoff paces the next session: waiting longer here would retry a
// down collector every 2 s from every laptop. Short slices keep stop() prompt.
grpc::Status Transport::wait_for_connection() {
  const auto started = std::chrono::steady_clock::now();
  auto state = channel_->GetState(/*try_to_connect=*/true);
  const auto limit = started + (state == GRPC_CHANNEL_TRANSIENT_FAILURE ? options_.reconnect_wait
                                                                         : options_.connect_timeout);
  for (;;) {
    if (state == GRPC_CHANNEL_READY) return grpc::Status::OK;
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE && std::chrono::steady_clock::now() >= limit) return grpc::Status::OK;
    if (state == GRPC_CHANNEL_SHUTDOWN) return grpc::Status::OK;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return grpc::Status(grpc::StatusCode::CANCELLED, "stopping");
    }
    if (std::chrono::steady_clock::now() >= limit)
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "no connection to " + options_.address + " within " +
                              std::to_string(options_.connect_timeout.count()) + " ms (channel state " +
                              std::to_string(static_cast<int>(state)) + ")");
    channel_->WaitForStateChange(state, std::chrono::system_clock::now() + std::chrono::milliseconds(100));
    const auto next = channel_->GetState(/*try_to_connect=*/true);
    // A first attempt that failed: let the stream report why.
    if (next == GRPC_CHANNEL_TRANSIENT_FAILURE && state != GRPC_CHANNEL_TRANSIENT_FAILURE) return grpc::Status::OK;
    state = next;
  }
}

grpc::Status Transport::session() {
  if (auto connected = wait_for_connection(); !connected.ok()) return connected;
  grpc::ClientContext ctx;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return grpc::Status(grpc::StatusCode::CANCELLED, "stopping");
    active_ = &ctx;
  }
  ++sessions_;
  auto stream = stub_->Connect(&ctx);

  std::set<uint64_t> in_flight;  // guarded by mu_
  bool reader_done = false;      // guarded by mu_
  uint64_t highest_sent = 0;

  std::thread reader([&] {
    v1::CollectorMessage msg;
    while (stream->Read(&msg)) {
      switch (msg.body_case()) {
        case v1::CollectorMessage::kAck: {
          const auto& ack = msg.ack();
          if (!ack.rejected().empty())
            spdlog::error("event=report_rejected seq={} reason={} action=dropped", ack.seq(), log::q(ack.rejected()));
          // Only here does a report leave the spool: the collector has committed it
          // (or refused it for good).
          spool_.acknowledge(ack.seq());
          ++acked_;
          std::lock_guard lock(mu_);
          in_flight.erase(ack.seq());
          wake_ = true;  // window room: the writer looks at the spool again
          cv_.notify_all();
          break;
        }
        case v1::CollectorMessage::kPong: {
          uint64_t now = clock_.monotonic_us();
          uint64_t sent = msg.pong().sent_monotonic_us();
          if (sent <= now) {
            std::lock_guard lock(mu_);
            rtt_.add(static_cast<uint32_t>(std::min<uint64_t>(now - sent, UINT32_MAX)));
          }
          break;
        }
        case v1::CollectorMessage::kConfig:
          if (msg.config().heartbeat_interval_seconds() > 0)
            heartbeat_ms_ = int64_t{msg.config().heartbeat_interval_seconds()} * 1000;
          if (callbacks_.on_config) callbacks_.on_config(msg.config());
          break;
        case v1::CollectorMessage::kScanResult:
          if (callbacks_.on_scan_result) callbacks_.on_scan_result(msg.scan_result());
          break;
        case v1::CollectorMessage::kPresenceRequest:
          spdlog::info("event=presence_request check={} action={}", log::q(msg.presence_request().check_id()),
                       static_cast<int>(msg.presence_request().action()));
          if (callbacks_.on_presence_request) callbacks_.on_presence_request(msg.presence_request());
          break;
        default:
          break;
      }
    }
    std::lock_guard lock(mu_);
    reader_done = true;
    cv_.notify_all();
  });

  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version(options_.agent_version);
  hello.mutable_hello()->set_platform(std::string(platform::host::name()));
  hello.mutable_hello()->set_last_seq(spool_.stats().last_seq);
  hello.mutable_hello()->set_started_at_unix_ms(options_.started_at_unix_ms);
  bool ok = stream->Write(hello);
  if (ok) {
    connected_ = true;
    spdlog::info("event=session_open collector={}", options_.address);
  }
  uint64_t nonce = 0;
  auto next_heartbeat = std::chrono::steady_clock::now();
  while (ok) {
    size_t room;
    {
      std::lock_guard lock(mu_);
      if (stopping_ || reader_done) break;
      room = options_.window > in_flight.size() ? options_.window - in_flight.size() : 0;
      wake_ = false;
    }
    if (room > 0) {
      for (auto& report : spool_.pending(highest_sent, room)) {
        v1::AgentMessage m;
        const uint64_t seq = report.seq();
        *m.mutable_report() = std::move(report);
        {
          std::lock_guard lock(mu_);
          in_flight.insert(seq);
        }
        if (!(ok = stream->Write(m))) break;
        highest_sent = seq;
      }
      if (!ok) break;
    }
    for (;;) {
      std::optional<v1::AgentMessage> extra;
      {
        std::lock_guard lock(mu_);
        if (outbox_.empty()) break;
        extra = outbox_.front();
      }
      if (!(ok = stream->Write(*extra))) break;
      std::lock_guard lock(mu_);
      outbox_.pop_front();  // only once written: a broken session leaves it for the next
    }
    if (!ok) break;
    if (std::chrono::steady_clock::now() >= next_heartbeat) {
      v1::AgentMessage hb;
      hb.mutable_heartbeat()->set_nonce(++nonce);
      hb.mutable_heartbeat()->set_sent_at_unix_ms(clock_.now_unix_ms());
      hb.mutable_heartbeat()->set_sent_monotonic_us(clock_.monotonic_us());
      if (!(ok = stream->Write(hb))) break;
      next_heartbeat = std::chrono::steady_clock::now() + std::chrono::milliseconds(heartbeat_ms_.load());
    }
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, next_heartbeat, [&] { return stopping_ || reader_done || wake_; });
  }
  stream->WritesDone();
  {
    std::lock_guard lock(mu_);
    // Unblock the reader if the collector keeps the stream open.
    if (stopping_ || !reader_done) ctx.TryCancel();
  }
  reader.join();
  grpc::Status status = stream->Finish();
  std::lock_guard lock(mu_);
  active_ = nullptr;
  return status;
}

}  // namespace telltale::agent
