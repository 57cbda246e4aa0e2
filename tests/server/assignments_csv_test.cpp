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

TEST(AssignmentsCsv, ErrorsNameTheLine) {
  EXPECT_EQ(error_of("device,employee\nX,Ann\n"),
            "a.csv:1: header lacks the \"timezone\" column (expected device, employee, email, timezone, region)");
  EXPECT_EQ(error_of("device,employee,timezone\nX,Ann,America/Chicago\nY,Bo,Mars/Olympus\n"),
            "a.csv:3: timezone \"Mars/Olympus\" is not an IANA zone name");
  EXPECT_EQ(error_of("device,employee,timezone\nX,Ann,UTC\nX,Bo,UTC\n"), "a.csv:3: device X is assigned twice");
  EXPECT_EQ(error_of(""), "a.csv:0: empty file, expected a header line");
  EXPECT_NE(error_of("device,employee,timezone\nX,\"Ann,UTC\n").find("unterminated quoted field"), std::string::npos);
}

}  // namespace
}  // namespace telltale::server
