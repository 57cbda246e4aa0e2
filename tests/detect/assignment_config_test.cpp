#include <gtest/gtest.h>

#include "server/detect/assignment.h"
#include "server/detect/config.h"
#include "server/detect/zones.h"

namespace telltale::detect {
namespace {

std::string csv_error(const std::string& text) {
  try {
    parse_assignments_csv(text, "assignments.csv");
  } catch (const AssignmentError& e) {
    return e.what();
  }
  return "";
}

TEST(Assignments, HrExportWithQuotesAndColumnsInAnyOrder_Parses) {
  auto rows = parse_assignments_csv(
      "email,device,employee,region,timezone\r\n"
      "# contractors\r\n"
      "ava@example.com,PF4ABCDE,\"Chen, Ava\",US-CA,America/Los_Angeles\r\n"
      "\r\n"
      "bo@example.com,PF4XYZ,\"Bo \"\"B\"\" Lee\",KR,Asia/Seoul\r\n",
      "assignments.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].employee, "Chen, Ava");
  EXPECT_EQ(rows[0].expected_region, "US-CA");
  EXPECT_EQ(rows[1].employee, "Bo \"B\" Lee");
  AssignmentBook book(rows);
  ASSERT_NE(book.find("PF4XYZ"), nullptr);
  EXPECT_EQ(book.find("PF4XYZ")->expected_timezone, "Asia/Seoul");
  EXPECT_EQ(book.find("nope"), nullptr);
}

TEST(Assignments, Errors_NameTheLine) {
  EXPECT_EQ(csv_error("device,employee,email,timezone,region\nA,B,C,America/New_York\n"),
            "assignments.csv:2: 4 fields, header has 5");
  EXPECT_EQ(csv_error("device,employee,office\n"),
            "assignments.csv:1: unknown column \"office\" (expected device, employee, email, timezone, region)");
  EXPECT_EQ(csv_error("device,region\nA,USA\n"),
            "assignments.csv:2: region \"USA\" is not an ISO 3166 code like \"US\" or \"US-TX\"");
  EXPECT_EQ(csv_error("device,timezone\nA,New York\n"),
            "assignments.csv:2: timezone \"New York\" is not an IANA zone name");
  EXPECT_EQ(csv_error("device,employee\nA,\"unterminated\n"), "assignments.csv:2: unterminated quoted field");
  EXPECT_EQ(csv_error("employee\nA\n"), "assignments.csv:1: header has no \"device\" column");
  EXPECT_EQ(csv_error(""), "assignments.csv: no header row");
  EXPECT_EQ(csv_error("device,employee\nA,Ann\n\nA,Bo\n"),
            "assignments.csv:4: device A is assigned twice (first on line 2)");
  EXPECT_THROW(load_assignments_csv("/nonexistent/assignments.csv"), AssignmentError);
}

TEST(DetectConfig, DetectSectionOverridesDefaults_OtherSectionsIgnored) {
  auto c = parse_detect_config(
      "listen = \"0.0.0.0:7443\"\n[store]\npath = \"x\"\n[detect]\nsuspicious_threshold = 45\n"
      "remote_rtt_far_ms = 120.5\nexpect_laptops = false\nknown_shared_networks = [\"203.0.113.1\"]\n",
      "collector.toml");
  EXPECT_EQ(c.suspicious_threshold, 45);
  EXPECT_EQ(c.remote_rtt_far_ms, 120.5);
  EXPECT_FALSE(c.expect_laptops);
  ASSERT_EQ(c.known_shared_networks.size(), 1u);
  EXPECT_EQ(c.review_threshold, DetectConfig{}.review_threshold);
}

TEST(DetectConfig, UnknownKeyWrongTypeAndThresholdOrder_AreErrors) {
  auto err = [](const std::string& t) {
    try {
      parse_detect_config(t, "collector.toml");
    } catch (const DetectConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(err("[detect]\n\nsuspicous_threshold = 1\n"), "collector.toml:3: detect.suspicous_threshold: unknown key");
  EXPECT_EQ(err("[detect]\nreview_threshold = \"low\"\n"), "collector.toml:2: detect.review_threshold: expected a number");
  EXPECT_EQ(err("[detect]\nreview_threshold = 80\n"),
            "collector.toml: detect thresholds must satisfy review <= suspicious <= puppeteered");
}

TEST(Zones, UsAndEuDaylightSaving_SwitchOnTheRightDays) {
  const Catalog& c = Catalog::builtin();
  // 2025-03-09 06:59:59Z is 01:59:59 EST; a second later clocks jump to EDT.
  EXPECT_EQ(zone_offset_seconds(c, "America/New_York", 1741503599000LL), -5 * 3600);
  EXPECT_EQ(zone_offset_seconds(c, "America/New_York", 1741503600000LL), -4 * 3600);
  // 2025-11-02 05:59:59Z is 01:59:59 EDT; then back to EST.
  EXPECT_EQ(zone_offset_seconds(c, "America/New_York", 1762063199000LL), -4 * 3600);
  EXPECT_EQ(zone_offset_seconds(c, "America/New_York", 1762063200000LL), -5 * 3600);
  // Arizona stays on MST all year; Paris switches at 01:00 UTC on 2025-03-30.
  EXPECT_EQ(zone_offset_seconds(c, "America/Phoenix", 1751328000000LL), -7 * 3600);
  EXPECT_EQ(zone_offset_seconds(c, "Europe/Paris", 1743296399000LL), 3600);
  EXPECT_EQ(zone_offset_seconds(c, "Europe/Paris", 1743296400000LL), 7200);
  EXPECT_EQ(zone_offset_seconds(c, "Asia/Pyongyang", 1743296400000LL), 9 * 3600);
  EXPECT_FALSE(zone_offset_seconds(c, "Mars/Olympus_Mons", 0).has_value());
}

}  // namespace
}  // namespace telltale::detect
