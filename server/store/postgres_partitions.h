#pragma once
// PostgreSQL keeps reports (nine tenths of the bytes) in one partition per
// UTC month of received_ms, so retention drops a month at once instead of
// deleting rows one by one (no bloat, no vacuum debt). A default partition
// takes anything no month partition covers, so no insert is ever refused;
// ensure_report_partitions moves such rows into their month.
#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace telltale::server {

struct ReportPartition {
  std::string name;  // reports_y2026m12
  int64_t from_ms = 0, to_ms = 0;  // [first ms of the month, first ms of the next)
};

// The month partition holding unix_ms.
ReportPartition report_partition_for(int64_t unix_ms);

// Month partitions of this schema's reports table, oldest first (the default
// partition is not listed).
std::vector<ReportPartition> report_partitions(pqxx::work& tx);

// Creates the partitions of the month of now_ms and the next `ahead` months,
// and of every month with rows in the default partition (moving those rows
// there). Serialised across collectors by an advisory lock. Returns the end
// of the last month now covered.
int64_t ensure_report_partitions(pqxx::connection& c, int64_t now_ms, int ahead = 2);

struct DroppedReports {
  uint64_t partitions = 0, rows = 0;
};

// Drops the month partitions that end at or before cutoff_ms. First, for
// every device with reports there, the first later report is rewritten to
// carry its full snapshot and a device state kept by reference is copied, so
// every kept report still rebuilds and every device keeps its state.
DroppedReports drop_report_partitions_before(pqxx::connection& c, int64_t cutoff_ms);

}  // namespace telltale::server
