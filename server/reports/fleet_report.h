#pragma once
// The compliance fleet report the collector writes on a schedule: every
// device with its verdict and compliance, findings new since the previous
// report, farm clusters, and devices silent for longer than a threshold (a
// farm switched off is a signal too). Written as JSON, CSV and one
// self-contained HTML file into DATA_DIR/reports/.
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "server/store/store.h"

namespace telltale::server {

struct FleetReportPolicy {
  std::set<std::string> noncompliant_levels = {"suspicious", "puppeteered"};
  int64_t silent_after_ms = 24ll * 3600 * 1000;
};

struct FleetReportRow {
  std::string device_id, hostname, serial, assignee, verdict;
  double score = 0;
  bool compliant = true;
  bool silent = false;
  int64_t last_seen_unix_ms = 0;
  int64_t verdict_since_unix_ms = 0;
};

struct FleetReport {
  int64_t generated_unix_ms = 0;
  int64_t since_unix_ms = 0;  // "new findings" are verdict changes after this
  std::vector<FleetReportRow> devices;
  std::vector<FleetReportRow> new_findings;
  std::vector<StoredCluster> clusters;
  size_t compliant = 0, noncompliant = 0, silent = 0;
};

FleetReport build_fleet_report(Store& store, int64_t now_ms, int64_t since_ms, const FleetReportPolicy& policy);

std::string report_json(const FleetReport& report);
std::string report_csv(const FleetReport& report);
std::string report_html(const FleetReport& report);

// Writes fleet-<UTC timestamp>.{json,csv,html} into dir; returns the base path.
std::filesystem::path write_fleet_report(const FleetReport& report, const std::filesystem::path& dir);

}  // namespace telltale::server
