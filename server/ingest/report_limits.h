#pragma once
// Bounds on what one report may hold, beyond gRPC's message size limit: a
// hostile agent with a valid certificate must not make the collector store
// or score a million USB devices or megabyte strings.
#include <google/protobuf/message.h>

#include <optional>
#include <string>

namespace telltale::server {

struct ReportLimits {
  size_t max_repeated = 4096;       // entries in any repeated field
  size_t max_string_bytes = 16384;  // any string field
  size_t max_bytes_field = 65536;   // any bytes field (raw EDIDs are ≤ 32 KiB)
  size_t max_usb_devices = 512;
  size_t max_events = 10000;
  int max_depth = 16;
};

// nullopt when within limits; otherwise where and what, e.g.
// "report.snapshot.usb_devices: 1000000 entries, limit 512".
std::optional<std::string> check_report_limits(const google::protobuf::Message& report, const ReportLimits& limits);

}  // namespace telltale::server
