#include "server/store/assignments_csv.h"

#include <algorithm>
#include <map>
#include <set>

namespace telltale::server {
namespace {

// One CSV record; quoted fields may span lines, so it reads as many lines as needed.
bool read_record(std::istream& in, std::vector<std::string>& fields, int& line_no) {
  fields.clear();
  std::string line;
  if (!std::getline(in, line)) return false;
  ++line_no;
  std::string field;
  bool quoted = false;
  for (size_t i = 0;; ++i) {
    if (i == line.size()) {
      if (quoted) {
        std::string next;
        if (!std::getline(in, next)) throw AssignmentCsvError("unterminated quoted field");
        ++line_no;
        field += '\n';
        line = next;
        i = static_cast<size_t>(-1);
        continue;
      }
      break;
    }
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  fields.push_back(field);
  return true;
}

std::string trim(std::string s) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

bool plausible_zone(const std::string& z) {
  if (z == "UTC" || z == "Etc/UTC") return true;
  static const std::set<std::string> areas = {"Africa", "America", "Antarctica", "Asia", "Atlantic",
                                              "Australia", "Europe", "Indian", "Pacific", "Etc"};
  auto slash = z.find('/');
  if (slash == std::string::npos || !areas.count(z.substr(0, slash))) return false;
  return std::all_of(z.begin(), z.end(), [](char c) { return isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+'; });
}

}  // namespace

std::vector<Assignment> parse_assignments_csv(std::istream& in, const std::string& name) {
  int line_no = 0;
  std::vector<std::string> fields;
  auto where = [&] { return name + ":" + std::to_string(line_no) + ": "; };
  bool have_header = false;
  try {
    have_header = read_record(in, fields, line_no);
  } catch (const AssignmentCsvError& e) {
    throw AssignmentCsvError(where() + e.what());
  }
  if (!have_header) throw AssignmentCsvError(where() + "empty file, expected a header line");
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string h = trim(fields[i]);
    std::transform(h.begin(), h.end(), h.begin(), ::tolower);
    if (h == "serial" || h == "device_id") h = "device";
    column[h] = i;
  }
  for (const char* required : {"device", "employee", "timezone"})
    if (!column.count(required))
      throw AssignmentCsvError(where() + "header lacks the \"" + required +
                               "\" column (expected device, employee, email, timezone, region)");
  std::vector<Assignment> out;
  std::set<std::string> seen;
  for (;;) {
    try {
      if (!read_record(in, fields, line_no)) break;
    } catch (const AssignmentCsvError& e) {
      throw AssignmentCsvError(where() + e.what());
    }
    if (fields.size() == 1 && trim(fields[0]).empty()) continue;
    auto get = [&](const char* col) -> std::string {
      auto it = column.find(col);
      return it != column.end() && it->second < fields.size() ? trim(fields[it->second]) : "";
    };
    Assignment a{get("device"), get("employee"), get("email"), get("timezone"), get("region")};
    if (a.device_key.empty()) throw AssignmentCsvError(where() + "empty device");
    if (a.employee.empty()) throw AssignmentCsvError(where() + "empty employee for device " + a.device_key);
    if (!plausible_zone(a.timezone))
      throw AssignmentCsvError(where() + "timezone \"" + a.timezone + "\" is not an IANA zone name");
    if (!seen.insert(a.device_key).second)
      throw AssignmentCsvError(where() + "device " + a.device_key + " is assigned twice");
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace telltale::server
