#pragma once
// Assignment import from HR/MDM exports: a CSV with a header naming the
// columns (any order, case-insensitive):
//   device (device id or DMI serial), employee, email, timezone (IANA), region
// Quoted fields per RFC 4180. Errors name the line: "assignments.csv:14:
// timezone \"Mars/Olympus\" is not an IANA zone name".
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/store/store.h"

namespace telltale::server {

class AssignmentCsvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::vector<Assignment> parse_assignments_csv(std::istream& in, const std::string& name);

}  // namespace telltale::server
