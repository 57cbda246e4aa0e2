#include "server/store/assignments_csv.h"

#include <gtest/gtest.h>

#include <sstream>

namespace telltale::server {
namespace {

std::vector<Assignment> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_assignments_csv(in, "a.csv");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const AssignmentCsvError& e) {
    return e.what();
  }
  return "";
}

TEST(AssignmentsCsv, HrExportWithQuotedNamesAndColumnsInAnyOrder) {
  auto a = parse("Email,Employee,Serial,TimeZone,Region\r\n"
                 "ann@example.com,\"Lee, Ann\",PF3X9,America/Chicago,US-IL\r\n"
                 "\n"
                 "bo@example.com,Bo,dev-0011,America/New_York,US-NY\n");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].device_key, "PF3X9");
  EXPECT_EQ(a[0].employee, "Lee, Ann");
  EXPECT_EQ(a[1].timezone, "America/New_York");
}

TEST(AssignmentsCsv, ErrorsNameTheFileAndLine) {
  auto e = error_of("device,employee,timezone\nX,Ann,America/Chicago\nY,Bo\n");
  EXPECT_EQ(e.rfind("a.csv:3:", 0), 0u) << e;
  EXPECT_NE(error_of("").find("a.csv"), std::string::npos);
}

}  // namespace
}  // namespace telltale::server
