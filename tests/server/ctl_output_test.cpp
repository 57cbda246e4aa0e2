#include "server/ctl/output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace telltale::ctl {
namespace {

TEST(CtlOutput, DurationsAcceptTheFourUnitsAndRefuseTheRest) {
  EXPECT_EQ(parse_duration_seconds("90s"), 90);
  EXPECT_EQ(parse_duration_seconds("30m"), 1800);
  EXPECT_EQ(parse_duration_seconds("24h"), 86400);
  EXPECT_EQ(parse_duration_seconds("7d"), 604800);
  for (const char* bad : {"", "h", "10", "-5h", "0h", "1.5h", "3w", "99999999999d"})
    EXPECT_THROW(parse_duration_seconds(bad), std::invalid_argument) << bad;
}

TEST(CtlOutput, CsvQuotesCommasQuotesAndNewlines) {
  Table t{{"a", "b"}, {{"x,y", "say \"hi\"\n"}}};
  std::ostringstream out;
  render(t, Format::kCsv, out);
  EXPECT_EQ(out.str(), "a,b\n\"x,y\",\"say \"\"hi\"\"\n\"\n");
}

TEST(CtlOutput, JsonIsAnArrayOfObjects) {
  Table t{{"device", "state"}, {{"dev-1", "active"}}};
  std::ostringstream out;
  render(t, Format::kJson, out);
  EXPECT_EQ(out.str(), "[{\"device\":\"dev-1\",\"state\":\"active\"}]\n");
  EXPECT_THROW(parse_format("yaml"), std::invalid_argument);
}

}  // namespace
}  // namespace telltale::ctl
