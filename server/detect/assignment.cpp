#include "server/detect/assignment.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace telltale::detect {
namespace {

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// Splits one CSV record (RFC 4180 quoting, no embedded newlines).
std::vector<std::string> split_record(std::string_view line, const std::string& where) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      if (!trim(field).empty()) throw AssignmentError(where + ": quote inside an unquoted field");
      field.clear();
      quoted = true;
    } else if (c == ',') {
      out.push_back(trim(field));
      field.clear();
    } else {
      field += c;
    }
  }
  if (quoted) throw AssignmentError(where + ": unterminated quoted field");
  out.push_back(trim(field));
  return out;
}

bool valid_zone_name(const std::string& z) {
  if (z.empty()) return true;
  return std::all_of(z.begin(), z.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '/' || c == '_' || c == '-' || c == '+';
         }) && z.front() != '/';
}

bool valid_region(const std::string& r) {
  if (r.empty()) return true;
  if (r.size() < 2 || !std::isupper(static_cast<unsigned char>(r[0])) || !std::isupper(static_cast<unsigned char>(r[1])))
    return false;
  return r.size() == 2 || (r[2] == '-' && r.size() > 3 && r.size() <= 6);
}

}  // namespace

std::vector<Assignment> parse_assignments_csv(std::string_view text, const std::string& name) {
  std::vector<Assignment> rows;
  std::vector<std::string> header;
  int col_device = -1, col_employee = -1, col_email = -1, col_tz = -1, col_region = -1;
  std::istringstream in{std::string(text)};
  std::string line;
  int lineno = 0;
  std::map<std::string, int> first_line;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string where = name + ":" + std::to_string(lineno);
    if (trim(line).empty() || trim(line).front() == '#') continue;
    auto fields = split_record(line, where);
    if (header.empty()) {
      header = fields;
      for (size_t i = 0; i < header.size(); ++i) {
        std::string h = header[i];
        std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
        int idx = static_cast<int>(i);
        if (h == "device" || h == "serial" || h == "device_id") col_device = idx;
        else if (h == "employee" || h == "name") col_employee = idx;
        else if (h == "email") col_email = idx;
        else if (h == "timezone" || h == "expected_timezone") col_tz = idx;
        else if (h == "region" || h == "country" || h == "expected_region") col_region = idx;
        else throw AssignmentError(where + ": unknown column \"" + header[i] +
                                   "\" (expected device, employee, email, timezone, region)");
      }
      if (col_device < 0) throw AssignmentError(where + ": header has no \"device\" column");
      continue;
    }
    if (fields.size() != header.size())
      throw AssignmentError(where + ": " + std::to_string(fields.size()) + " fields, header has " +
                            std::to_string(header.size()));
    auto get = [&](int col) { return col < 0 ? std::string() : fields[static_cast<size_t>(col)]; };
    Assignment a{get(col_device), get(col_employee), get(col_email), get(col_tz), get(col_region)};
    if (a.device.empty()) throw AssignmentError(where + ": empty device");
    if (!valid_zone_name(a.expected_timezone))
      throw AssignmentError(where + ": timezone \"" + a.expected_timezone + "\" is not an IANA zone name");
    if (!valid_region(a.expected_region))
      throw AssignmentError(where + ": region \"" + a.expected_region +
                            "\" is not an ISO 3166 code like \"US\" or \"US-TX\"");
    if (!first_line.emplace(a.device, lineno).second)
      throw AssignmentError(where + ": device " + a.device + " is assigned twice (first on line " +
                            std::to_string(first_line[a.device]) + ")");
    rows.push_back(std::move(a));
  }
  if (header.empty()) throw AssignmentError(name + ": no header row");
  return rows;
}

std::vector<Assignment> load_assignments_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw AssignmentError(path.string() + ": cannot open assignments file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_assignments_csv(ss.str(), path.filename().string());
}

AssignmentBook::AssignmentBook(std::vector<Assignment> rows) : rows_(std::move(rows)) {
  for (size_t i = 0; i < rows_.size(); ++i) index_.emplace(rows_[i].device, i);
}

const Assignment* AssignmentBook::find(std::string_view device) const {
  auto it = index_.find(device);
  return it == index_.end() ? nullptr : &rows_[it->second];
}

}  // namespace telltale::detect
