#include "server/store/assignments_csv.h"

#include <sstream>

#include "server/detect/assignment.h"

namespace telltale::server {

std::vector<Assignment> parse_assignments_csv(std::istream& in, const std::string& name) {
  std::stringstream text;
  text << in.rdbuf();
  std::vector<Assignment> out;
  try {
    // One parser for the whole product: detection's, which `telltale-ctl evaluate` uses too.
    for (auto& a : detect::parse_assignments_csv(text.str(), name))
      out.push_back({a.device, a.employee, a.email, a.expected_timezone, a.expected_region});
  } catch (const std::exception& e) {
    throw AssignmentCsvError(e.what());
  }
  return out;
}

}  // namespace telltale::server
