#include "agent/scan/online_scan.h"

#include <boost/json.hpp>
#include <grpcpp/grpcpp.h>

#include "agent/spool/spool.h"
#include "platform/common/hash.h"
#include "platform/common/log.h"
#include "platform/host_platform.h"
#include "telltale/v1/telemetry.grpc.pb.h"

namespace telltale::agent {
namespace v1 = telltale::v1;

ScanOutcome submit_scan(const StatePaths& paths, const AgentIdentity& identity, v1::Snapshot snapshot,
                        std::chrono::seconds timeout) {
  ScanOutcome outcome;
  const std::string scan_id = "scan-" + random_hex(8);
  Spool spool(paths.spool(), {});
  v1::Report report;
  *report.mutable_snapshot() = std::move(snapshot);
  report.set_scan_id(scan_id);
  const uint64_t seq = spool.append(report);
  report.set_seq(seq);

  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = identity.ca_pem;
  tls.pem_private_key = identity.key_pem;
  tls.pem_cert_chain = identity.cert_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("telltale-collector");
  auto stub = v1::Telemetry::NewStub(grpc::CreateCustomChannel(identity.collector, grpc::SslCredentials(tls), args));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  auto stream = stub->Connect(&ctx);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version(TELLTALE_VERSION);
  hello.mutable_hello()->set_platform(std::string(platform::host::name()));
  v1::AgentMessage msg;
  *msg.mutable_report() = report;
  if (!stream->Write(hello) || !stream->Write(msg)) {
    outcome.problem = "collector at " + identity.collector + " unreachable: " + stream->Finish().error_message();
    return outcome;
  }
  v1::CollectorMessage in;
  while (stream->Read(&in)) {
    if (in.has_ack() && in.ack().seq() == seq) spool.acknowledge(seq);
    if (in.has_scan_result() && in.scan_result().scan_id() == scan_id) {
      outcome.result = in.scan_result();
      break;
    }
  }
  stream->WritesDone();
  ctx.TryCancel();
  auto status = stream->Finish();
  if (!outcome.result)
    outcome.problem = status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
                          ? "no verdict from the collector within " + std::to_string(timeout.count()) + " s"
                          : "collector at " + identity.collector + ": " + status.error_message();
  return outcome;
}

int scan_exit_code(const ScanOutcome& outcome) {
  if (!outcome.result) return 2;
  return outcome.result->compliant() ? 0 : 1;
}

std::string scan_outcome_text(const ScanOutcome& outcome, const std::string& device_id, bool json) {
  const char* status = !outcome.result ? "unknown" : outcome.result->compliant() ? "compliant" : "non-compliant";
  if (json) {
    boost::json::object o;
    o["device_id"] = device_id;
    o["status"] = status;
    o["verdict"] = outcome.result ? outcome.result->verdict() : "unknown";
    boost::json::array reasons;
    if (outcome.result)
      for (const auto& r : outcome.result->reasons()) reasons.emplace_back(r);
    else
      reasons.emplace_back(outcome.problem);
    o["reasons"] = std::move(reasons);
    return boost::json::serialize(o) + "\n";
  }
  std::string out = std::string(device_id) + ": " + status;
  if (outcome.result) {
    out += " (verdict " + outcome.result->verdict() + ")\n";
    for (const auto& r : outcome.result->reasons()) out += "  - " + r + "\n";
  } else {
    out += ": " + outcome.problem + "\n";
  }
  return out;
}

}  // namespace telltale::agent
