#pragma once
// Assignment import from HR/MDM exports into the store's records. The CSV
// format and its line-numbered errors are detection's
// (server/detect/assignment.h): header naming device, employee, email,
// timezone, region in any order; RFC 4180 quoting.
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
