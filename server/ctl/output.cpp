#include "server/ctl/output.h"

#include <boost/json.hpp>

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "server/reports/csv_cell.h"

namespace telltale::ctl {

Format parse_format(const std::string& name) {
  if (name == "table") return Format::kTable;
  if (name == "json") return Format::kJson;
  if (name == "csv") return Format::kCsv;
  throw std::invalid_argument("unknown format \"" + name + "\" (expected table, json or csv)");
}

void render(const Table& t, Format format, std::ostream& out) {
  switch (format) {
    case Format::kJson: {
      boost::json::array arr;
      for (const auto& row : t.rows) {
        boost::json::object obj;
        for (size_t i = 0; i < t.columns.size() && i < row.size(); ++i) obj[t.columns[i]] = row[i];
        arr.push_back(std::move(obj));
      }
      out << boost::json::serialize(arr) << "\n";
      return;
    }
    case Format::kCsv: {
      // Cells come from laptops and HR files: csv_line neutralises formulas.
      out << server::csv_line(t.columns);
      for (const auto& row : t.rows) out << server::csv_line(row);
      return;
    }
    case Format::kTable: {
      std::vector<size_t> width(t.columns.size());
      for (size_t i = 0; i < t.columns.size(); ++i) width[i] = t.columns[i].size();
      for (const auto& row : t.rows)
        for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
      auto line = [&](const std::vector<std::string>& cells) {
        for (size_t i = 0; i < width.size(); ++i) {
          std::string cell = i < cells.size() ? cells[i] : "";
          out << cell;
          if (i + 1 < width.size()) out << std::string(width[i] - cell.size() + 2, ' ');
        }
        out << "\n";
      };
      std::vector<std::string> upper;
      for (auto c : t.columns) {
        std::transform(c.begin(), c.end(), c.begin(), ::toupper);
        upper.push_back(c);
      }
      line(upper);
      for (const auto& row : t.rows) line(row);
      return;
    }
  }
}

int64_t parse_duration_seconds(const std::string& text) {
  if (text.size() < 2) throw std::invalid_argument("duration \"" + text + "\": expected e.g. 90s, 30m, 24h, 7d");
  int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: throw std::invalid_argument("duration \"" + text + "\": unit must be s, m, h or d");
  }
  std::string number = text.substr(0, text.size() - 1);
  if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos || number.size() > 9)
    throw std::invalid_argument("duration \"" + text + "\": expected a whole number before the unit");
  int64_t n = std::stoll(number);
  if (n <= 0) throw std::invalid_argument("duration \"" + text + "\" must be positive");
  return n * unit;
}

std::string format_time_ms(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  time_t t = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace telltale::ctl
