#pragma once
// Who a device is assigned to and where they are expected to work, imported
// from an HR/MDM export (CSV).
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace telltale::detect {

class AssignmentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Assignment {
  std::string device;           // device serial (DMI product_serial) or collector device id
  std::string employee;
  std::string email;
  std::string expected_timezone;  // IANA name, e.g. "America/Chicago"
  std::string expected_region;    // ISO 3166 country, optionally with subdivision: "US" or "US-TX"
};

// CSV with a header row naming the columns (any order): device, employee,
// email, timezone, region. Quoted fields ("a, b") and "" escapes are accepted;
// blank lines and lines starting with '#' are skipped. Errors name the line:
// "assignments.csv:7: 4 fields, header has 5".
std::vector<Assignment> parse_assignments_csv(std::string_view text, const std::string& name);
std::vector<Assignment> load_assignments_csv(const std::filesystem::path& path);

// Lookup by device serial or id.
class AssignmentBook {
 public:
  explicit AssignmentBook(std::vector<Assignment> rows);
  const Assignment* find(std::string_view device) const;
  size_t size() const { return rows_.size(); }

 private:
  std::vector<Assignment> rows_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace telltale::detect
