#pragma once
// Rows rendered as an aligned table, CSV (RFC 4180 quoting, formulas
// neutralised: server/reports/csv_cell.h) or a JSON array
// of objects, so telltale-ctl output pipes into scripts and spreadsheets.
#include <ostream>
#include <string>
#include <vector>

namespace telltale::ctl {

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

enum class Format { kTable, kJson, kCsv };
// Throws std::invalid_argument for anything but table, json, csv.
Format parse_format(const std::string& name);
void render(const Table& table, Format format, std::ostream& out);

// "90s", "30m", "24h", "7d" → seconds; throws std::invalid_argument otherwise.
int64_t parse_duration_seconds(const std::string& text);
std::string format_time_ms(int64_t unix_ms);  // "2026-11-28T15:04:05Z", "-" for 0

}  // namespace telltale::ctl
