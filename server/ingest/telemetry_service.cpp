#include "server/ingest/telemetry_service.h"

#include <chrono>
#include <deque>

#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include "platform/common/log.h"
#include "platform/common/x509.h"

namespace telltale::server {
namespace v1 = telltale::v1;

namespace {
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

// Lifetime: created by Connect, deleted in OnDone. Ingest completions run on
// the writer thread and may arrive after the stream ended, so they reach the
// stream only through Link, which OnDone clears under its mutex.
//
// Locking: every decision about the next gRPC operation and the start of
// that operation happen under Link::mu, so OnDone (which needs the mutex)
// cannot delete the stream between deciding and starting. The mutex is
// recursive because gRPC may run a reaction inline on the thread that
// started an operation; decide() leaves the state consistent before any
// operation starts, and starts exactly one operation per call.
class AgentStream final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  AgentStream(grpc::CallbackServerContext* ctx, TelemetryService& service)
      : ctx_(ctx), service_(service), link_(std::make_shared<Link>()) {
    link_->stream = this;
    peer_ = ctx->peer();
    if (auto refusal = authenticate(); !refusal.ok()) {
      ++service_.counters_.streams_refused;
      spdlog::warn("event=stream_refused peer={} reason={}", log::q(peer_), log::q(refusal.error_message()));
      finished_ = true;
      Finish(refusal);
      return;
    }
    ++service_.counters_.streams_opened;
    std::weak_ptr<Link> weak = link_;
    size_t others = service_.directory_.add_session(device_id_, this, [weak, ctx] {
      auto link = weak.lock();
      if (!link) return;
      std::lock_guard lock(link->mu);
      if (link->stream) ctx->TryCancel();  // the context lives as long as the stream
    });
    registered_ = true;
    {
      std::lock_guard lock(service_.senders_mu_);
      service_.senders_.emplace(device_id_, std::make_pair(static_cast<const void*>(this),
                                                           [weak](v1::CollectorMessage msg) {
                                                             auto link = weak.lock();
                                                             if (!link) return;
                                                             std::lock_guard lock(link->mu);
                                                             if (link->stream) link->stream->send(std::move(msg));
                                                           }));
    }
    if (others > 0)
      spdlog::warn("event=concurrent_session device={} peer={} open_sessions={} note={}", device_id_, log::q(peer_),
                   others + 1, log::q("same certificate streaming twice: cloned identity or a stale connection"));
    spdlog::info("event=stream_open device={} peer={}", device_id_, log::q(peer_));
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      {
        std::lock_guard lock(link_->mu);
        read_closed_ = true;
      }
      pump();
      return;
    }
    const size_t bytes = in_.Length();
    v1::AgentMessage msg;
    // Deserialize clears in_, ready for the next read.
    grpc::Status parsed = grpc::SerializationTraits<v1::AgentMessage>::Deserialize(&in_, &msg);
    if (!parsed.ok()) {
      refuse_frame(bytes, "frame of " + std::to_string(bytes) + " bytes does not parse as telltale.v1.AgentMessage");
    } else if (msg.body_case() == v1::AgentMessage::BODY_NOT_SET && msg.GetReflection()->GetUnknownFields(msg).empty()) {
      // A newer agent's message kind arrives as unknown fields and is skipped
      // below; a message with nothing at all is a broken sender.
      refuse_frame(bytes, "empty AgentMessage (" + std::to_string(bytes) + " bytes): none of hello, report, heartbeat set");
    } else {
      handle(msg, bytes);
    }
    {
      std::lock_guard lock(link_->mu);
      if (in_flight_ >= service_.options_.max_in_flight_per_stream || finished_ || fatal_ || closing_)
        read_paused_ = true;
      else StartRead(&in_);
    }
    pump();
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard lock(link_->mu);
      writing_ = false;
      if (!ok) {
        // The agent is gone; what it did not receive it will re-send.
        broken_ = true;
        outbox_.clear();
      }
    }
    pump();
  }

  void OnCancel() override {
    {
      std::lock_guard lock(link_->mu);
      broken_ = true;
    }
    pump();
  }

  void OnDone() override {
    {
      std::lock_guard lock(link_->mu);
      link_->stream = nullptr;
    }
    if (registered_) {
      service_.directory_.remove_session(device_id_, this);
      std::lock_guard lock(service_.senders_mu_);
      auto [from, to] = service_.senders_.equal_range(device_id_);
      for (auto it = from; it != to; ++it)
        if (it->second.first == this) {
          service_.senders_.erase(it);
          break;
        }
    }
    spdlog::info("event=stream_closed device={} peer={}", device_id_.empty() ? "-" : device_id_, log::q(peer_));
    delete this;
  }

 private:
  struct Link {
    std::recursive_mutex mu;
    AgentStream* stream = nullptr;
  };

  grpc::Status authenticate() {
    auto auth = ctx_->auth_context();
    if (!auth) return {grpc::StatusCode::UNAUTHENTICATED, "no TLS"};
    auto pems = auth->FindPropertyValues("x509_pem_cert");
    if (pems.empty())
      return {grpc::StatusCode::UNAUTHENTICATED, "telemetry needs a client certificate from this collector's CA"};
    std::string pem(pems.front().data(), pems.front().size());
    certificate_pem_ = pem;
    try {
      device_id_ = x509::common_name(pem);
      auto verdict = service_.directory_.check(device_id_, x509::fingerprint(pem));
      if (verdict != DeviceDirectory::Verdict::kAllowed)
        return {grpc::StatusCode::PERMISSION_DENIED, std::string("device ") + device_id_ + ": " + to_string(verdict)};
    } catch (const StoreUnavailable& e) {
      // The device may well be allowed: a database that is down (a shared
      // PostgreSQL restarting) must send the agent to retry, not tell it
      // its identity is bad.
      return {grpc::StatusCode::UNAVAILABLE, std::string("collector cannot check devices right now: ") + e.what()};
    } catch (const std::exception& e) {
      return {grpc::StatusCode::UNAUTHENTICATED, std::string("client certificate unreadable: ") + e.what()};
    }
    return grpc::Status::OK;
  }

  // Ends the stream with INVALID_ARGUMENT once the acks of reports received
  // before the bad frame are out: those reports are stored and acknowledged,
  // the agent keeps the rest in its spool and learns why from the status.
  void refuse_frame(size_t bytes, const std::string& detail) {
    ++service_.counters_.frames_malformed;
    ++service_.counters_.streams_refused;
    spdlog::warn("event=stream_refused device={} peer={} code=INVALID_ARGUMENT bytes={} reason={}", device_id_,
                 log::q(peer_), bytes, log::q(detail));
    std::lock_guard lock(link_->mu);
    if (closing_ || fatal_) return;
    closing_ = true;
    closing_status_ = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   detail + "; stream closed, reports before this frame are acknowledged");
  }

  void send(v1::CollectorMessage msg) {
    {
      std::lock_guard lock(link_->mu);
      if (finished_ || broken_) return;
      outbox_.push_back(std::move(msg));
    }
    pump();
  }

  void handle(v1::AgentMessage& msg, size_t bytes) {
    switch (msg.body_case()) {
      case v1::AgentMessage::kHello: {
        spdlog::info("event=hello device={} version={} last_seq={}", device_id_, log::q(msg.hello().agent_version()),
                     msg.hello().last_seq());
        if (service_.options_.config_for_agents) {
          v1::CollectorMessage out;
          *out.mutable_config() = service_.options_.config_for_agents();
          send(std::move(out));
        }
        break;
      }
      case v1::AgentMessage::kHeartbeat: {
        v1::CollectorMessage out;
        out.mutable_pong()->set_nonce(msg.heartbeat().nonce());
        out.mutable_pong()->set_sent_monotonic_us(msg.heartbeat().sent_monotonic_us());
        out.mutable_pong()->set_collector_unix_ms(now_ms());
        send(std::move(out));
        break;
      }
      case v1::AgentMessage::kReport:
        handle_report(*msg.mutable_report());
        break;
      case v1::AgentMessage::kPresenceResult: {
        // Rare (a few a day at most) and small: stored inline on this thread.
        std::string refused = "this collector does not take presence results";
        if (service_.options_.on_presence_result) {
          try {
            refused = service_.options_.on_presence_result(device_id_, certificate_pem_, msg.presence_result());
          } catch (const std::exception& e) {
            refused = std::string("store: ") + e.what();
          }
        }
        if (!refused.empty())
          spdlog::warn("event=presence_result_refused device={} reason={}", device_id_, log::q(refused));
        break;
      }
      case v1::AgentMessage::BODY_NOT_SET:
        // A message kind from a newer agent (only unknown fields): ignoring
        // it keeps old collectors compatible, but not in silence.
        spdlog::info("event=unknown_message device={} bytes={} action=ignored", device_id_, bytes);
        break;
    }
  }

  // Takes the report's contents (swapped out of the read buffer, not copied).
  void handle_report(v1::Report& report) {
    if (auto violation = check_report_limits(report, service_.options_.limits)) {
      ++service_.counters_.reports_rejected;
      spdlog::warn("event=report_rejected device={} seq={} reason={}", device_id_, report.seq(), log::q(*violation));
      v1::CollectorMessage out;
      out.mutable_ack()->set_seq(report.seq());
      out.mutable_ack()->set_rejected(*violation);
      send(std::move(out));
      return;
    }
    if (report.seq() == 0) {
      v1::CollectorMessage out;
      out.mutable_ack()->set_seq(0);
      out.mutable_ack()->set_rejected("seq 0 is not a valid sequence number (seq starts at 1)");
      send(std::move(out));
      return;
    }
    {
      std::lock_guard lock(link_->mu);
      ++in_flight_;
    }
    auto taken = std::make_shared<v1::Report>();
    taken->Swap(&report);  // a deep copy of a 4 KB snapshot was ~8% of the collector's CPU under load
    std::shared_ptr<const v1::Report> owned = std::move(taken);
    std::weak_ptr<Link> weak = link_;
    auto* service = &service_;
    std::string device = device_id_;
    service_.queue_.submit(device_id_, peer_, now_ms(), owned,
                           [weak, owned, service, device](std::optional<IngestResult> result,
                                                          const IngestQueue::Failure& failure) {
                             auto link = weak.lock();
                             if (!link) return;
                             std::optional<v1::ScanResult> scan;
                             if (result && result->outcome != IngestOutcome::kRejected && !owned->scan_id().empty() &&
                                 service->options_.answer_scan)
                               scan = service->options_.answer_scan(device, *owned);
                             std::lock_guard lock(link->mu);
                             if (link->stream) link->stream->ingested(owned->seq(), result, failure, std::move(scan));
                           });
  }

  // Called with link_->mu held, from the writer thread.
  void ingested(uint64_t seq, std::optional<IngestResult> result, const IngestQueue::Failure& failure,
                std::optional<v1::ScanResult> scan) {
    --in_flight_;
    if (!result) {
      // Store unavailable: no ack; end the stream so the agent backs off and
      // keeps its spool. Acks already queued still go out first.
      if (!fatal_) {
        fatal_ = true;
        fatal_status_ = grpc::Status(failure.cause == StoreUnavailable::Cause::kExhausted
                                         ? grpc::StatusCode::RESOURCE_EXHAUSTED
                                         : grpc::StatusCode::UNAVAILABLE,
                                     "collector cannot store reports right now (" + failure.message + "); retry later");
      }
    } else if (!finished_ && !broken_) {
      v1::CollectorMessage out;
      out.mutable_ack()->set_seq(seq);
      if (result->outcome == IngestOutcome::kDuplicate || result->outcome == IngestOutcome::kConflict) {
        out.mutable_ack()->set_duplicate(true);
        ++service_.counters_.reports_duplicate;
      } else if (result->outcome == IngestOutcome::kRejected) {
        out.mutable_ack()->set_rejected(result->reason);
        ++service_.counters_.reports_rejected;
      } else {
        ++service_.counters_.reports_stored;
      }
      outbox_.push_back(std::move(out));
      if (scan) {
        v1::CollectorMessage s;
        *s.mutable_scan_result() = std::move(*scan);
        outbox_.push_back(std::move(s));
      }
    }
    pump();
  }

  // Decides the next gRPC operation and starts it, under the mutex.
  void pump() {
    bool do_write = false, do_read = false, do_finish = false;
    grpc::Status status;
    std::lock_guard lock(link_->mu);
    decide(do_write, do_read, do_finish, status);
    start(do_write, do_read, do_finish, status);
  }

  void decide(bool& do_write, bool& do_read, bool& do_finish, grpc::Status& status) {
    if (finished_) return;
    if (broken_) {
      finished_ = do_finish = true;
      status = grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
      return;
    }
    if (!writing_ && !outbox_.empty()) {
      out_msg_ = std::move(outbox_.front());
      outbox_.pop_front();
      writing_ = do_write = true;
      return;
    }
    if (!writing_ && outbox_.empty() && (fatal_ || ((read_closed_ || closing_) && in_flight_ == 0))) {
      finished_ = do_finish = true;
      status = fatal_ ? fatal_status_ : closing_ ? closing_status_ : grpc::Status::OK;
      return;
    }
    if (read_paused_ && !read_closed_ && !fatal_ && !closing_ &&
        in_flight_ < service_.options_.max_in_flight_per_stream) {
      read_paused_ = false;
      do_read = true;
    }
  }

  void start(bool do_write, bool do_read, bool do_finish, const grpc::Status& status) {
    if (do_write) {
      // The previous write is done (writing_ was false): its buffer may go.
      // gRPC's writer asserts an empty buffer for messages beyond the inline size.
      out_.Clear();
      bool own = false;
      grpc::SerializationTraits<v1::CollectorMessage>::Serialize(out_msg_, &out_, &own);
      StartWrite(&out_);
    }
    if (do_read) StartRead(&in_);
    if (do_finish) Finish(status);
  }

  grpc::CallbackServerContext* ctx_;
  TelemetryService& service_;
  std::shared_ptr<Link> link_;
  std::string device_id_;
  std::string certificate_pem_;
  std::string peer_;
  bool registered_ = false;

  grpc::ByteBuffer in_;
  grpc::ByteBuffer out_;
  v1::CollectorMessage out_msg_;
  // State below is guarded by link_->mu.
  std::deque<v1::CollectorMessage> outbox_;
  bool writing_ = false;
  size_t in_flight_ = 0;
  bool read_paused_ = false;
  bool read_closed_ = false;
  bool finished_ = false;
  bool broken_ = false;
  bool fatal_ = false;
  grpc::Status fatal_status_;
  bool closing_ = false;  // a malformed frame: finish once in-flight reports are acknowledged
  grpc::Status closing_status_;
};

bool TelemetryService::push(const std::string& device_id, const v1::CollectorMessage& message) {
  std::vector<std::function<void(v1::CollectorMessage)>> targets;
  {
    std::lock_guard lock(senders_mu_);
    auto [from, to] = senders_.equal_range(device_id);
    for (auto it = from; it != to; ++it) targets.push_back(it->second.second);
  }
  // Sent outside senders_mu_: send() takes the stream's own lock.
  for (auto& send : targets) send(message);
  return !targets.empty();
}

std::vector<std::string> TelemetryService::connected_devices() {
  std::lock_guard lock(senders_mu_);
  std::vector<std::string> out;
  for (const auto& [device, sender] : senders_)
    if (out.empty() || out.back() != device) out.push_back(device);
  return out;
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* TelemetryService::Connect(
    grpc::CallbackServerContext* context) {
  return new AgentStream(context, *this);
}

}  // namespace telltale::server
