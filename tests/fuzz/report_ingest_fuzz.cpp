// fuzz-links: telltale_server_lib
// The collector's ingest path for hostile bytes: parse as an AgentMessage
// (what gRPC hands the reactor), bound-check the report, and apply a delta
// over a base snapshot, exactly as ingest does.
#include <cstddef>
#include <cstdint>

#include "server/ingest/report_limits.h"
#include "telltale/v1/snapshot_delta.h"
#include "telltale/v1/telemetry.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  telltale::v1::AgentMessage msg;
  if (!msg.ParseFromArray(data, static_cast<int>(size))) return 0;
  if (!msg.has_report()) return 0;
  const auto& report = msg.report();
  if (telltale::server::check_report_limits(report, {})) return 0;
  if (report.has_delta()) {
    telltale::v1::Snapshot base;
    base.mutable_hardware()->set_product_name("base");
    std::string error;
    telltale::v1::apply_delta(base, report.delta(), &error);
  }
  return 0;
}
