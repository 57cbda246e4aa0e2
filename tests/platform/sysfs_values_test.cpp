#include <gtest/gtest.h>

#include "platform/decode/sysfs_values.h"

namespace {

using namespace telltale::decode;

TEST(SysfsValues, HexAsTheKernelWritesIt) {
  EXPECT_EQ(parse_hex("1d6b\n"), 0x1d6bu);
  EXPECT_EQ(parse_hex("0x1D6B"), 0x1d6bu);
  EXPECT_EQ(parse_hex(" 9"), 9u);    // %2x
  EXPECT_EQ(parse_hex("ffffffff"), 0xffffffffu);
  EXPECT_FALSE(parse_hex("").has_value());
  EXPECT_FALSE(parse_hex("0x").has_value());
  EXPECT_FALSE(parse_hex("1d6g").has_value());
  EXPECT_FALSE(parse_hex("100000000").has_value());  // more than 32 bits
  EXPECT_FALSE(parse_hex("-1").has_value());
}

TEST(SysfsValues, DecimalWithPadding) {
  EXPECT_EQ(parse_decimal(" 2\n"), 2u);
  EXPECT_EQ(parse_decimal("18446744073709551615"), 18446744073709551615ull);
  EXPECT_FALSE(parse_decimal("18446744073709551616").has_value());
  EXPECT_FALSE(parse_decimal("12abc").has_value());
  EXPECT_FALSE(parse_decimal("  ").has_value());
}

TEST(SysfsValues, MaxPowerInMilliamps) {
  EXPECT_EQ(parse_milliamps("500mA\n"), 500u);
  EXPECT_EQ(parse_milliamps("0mA"), 0u);
  EXPECT_FALSE(parse_milliamps("500").has_value());
  EXPECT_FALSE(parse_milliamps("mA").has_value());
  EXPECT_FALSE(parse_milliamps("99999999999mA").has_value());
}

TEST(SysfsValues, TrimRemovesWhitespaceAndNuls) {
  EXPECT_EQ(trim(std::string_view("\0 Dell Inc.\n\0", 13)), "Dell Inc.");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \n\t"), "");
}

}  // namespace
