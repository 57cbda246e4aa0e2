#pragma once
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "server/ingest/device_directory.h"
#include "server/ingest/ingest_queue.h"
#include "server/ingest/report_limits.h"
#include "telltale/v1/telemetry.grpc.pb.h"

namespace telltale::server {

struct TelemetryOptions {
  ReportLimits limits;
  size_t max_in_flight_per_stream = 64;  // reports awaiting commit before reads pause
  // What the collector tells agents when they say Hello.
  std::function<telltale::v1::ConfigUpdate()> config_for_agents;
  // Called after a report carrying scan_id is stored; answers the scan.
  std::function<std::optional<telltale::v1::ScanResult>(const std::string& device_id,
                                                        const telltale::v1::Report& report)>
      answer_scan;
  // Called on the stream's thread when an agent answers a presence check,
  // with the certificate the stream authenticated with (the signature must
  // verify against it). Returns "" when stored, else why not (logged).
  std::function<std::string(const std::string& device_id, const std::string& stream_certificate_pem,
                            const telltale::v1::SignedPresenceResult& result)>
      on_presence_result;
};

struct TelemetryCounters {
  std::atomic<uint64_t> reports_stored{0};
  std::atomic<uint64_t> reports_duplicate{0};
  std::atomic<uint64_t> reports_rejected{0};
  std::atomic<uint64_t> streams_refused{0};
  std::atomic<uint64_t> streams_opened{0};
  // Frames that did not parse as an AgentMessage, or parsed with nothing set;
  // each ends its stream with INVALID_ARGUMENT (and counts in streams_refused).
  std::atomic<uint64_t> frames_malformed{0};
};

// Telemetry.Connect on gRPC's callback API: one reactor per agent stream,
// no thread per connection, so one collector holds many thousand agents.
// Wire handling only; storage is IngestQueue's, authentication DeviceDirectory's.
//
// The method is registered raw (frames as grpc::ByteBuffer) and parsed here:
// with the typed API gRPC 1.51 answers a frame that does not parse by failing
// the Read, which looks exactly like a clean half-close, so the agent got
// status OK and never learnt why its reports went unanswered. Parsing
// ourselves lets a bad frame end the stream with INVALID_ARGUMENT, a log
// line and a counter. gRPC's message size limit still applies to raw frames.
class TelemetryService final
    : public telltale::v1::Telemetry::WithRawCallbackMethod_Connect<telltale::v1::Telemetry::Service> {
 public:
  TelemetryService(IngestQueue& queue, DeviceDirectory& directory, TelemetryOptions options)
      : queue_(queue), directory_(directory), options_(std::move(options)) {}

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Connect(grpc::CallbackServerContext* context) override;

  TelemetryCounters& counters() { return counters_; }

  // Queues a message on every open stream of the device; false when none is
  // open (the caller keeps the message for the next connection).
  bool push(const std::string& device_id, const telltale::v1::CollectorMessage& message);
  // Devices with an open stream.
  std::vector<std::string> connected_devices();

 private:
  friend class AgentStream;
  std::mutex senders_mu_;
  std::multimap<std::string, std::pair<const void*, std::function<void(telltale::v1::CollectorMessage)>>> senders_;
  IngestQueue& queue_;
  DeviceDirectory& directory_;
  TelemetryOptions options_;
  TelemetryCounters counters_;
};

}  // namespace telltale::server
