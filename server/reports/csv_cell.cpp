#include "server/reports/csv_cell.h"

#include <cctype>

namespace telltale::server {
namespace {

// [+-]digits[.digits][(e|E)[+-]digits]: what every spreadsheet reads as a
// number and never as a formula.
bool plain_number(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (!digits()) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

bool starts_formula(std::string_view s) {
  // A lone "-" is the "none" our writers print for a missing time; no
  // spreadsheet reads it as a formula.
  if (s.empty() || s == "-") return false;
  switch (s.front()) {
    case '=': case '+': case '-': case '@': case '\t': case '\r': return !plain_number(s);
    default: return false;
  }
}

}  // namespace

std::string csv_cell(std::string_view value) {
  std::string cell;
  cell.reserve(value.size() + 3);
  if (starts_formula(value)) cell += '\'';
  cell += value;
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string csv_line(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) line += ',';
    line += csv_cell(cells[i]);
  }
  return line + "\n";
}

}  // namespace telltale::server
