#include "platform/common/enrollment_token.h"

#include <gtest/gtest.h>

namespace telltale {
namespace {

const std::string kPin = "43qUqT2wuYQV0EX3adY0OhtMRlLWlyLrRxjlwMD5Oa0";
const std::string kSecret(64, 'a');

TEST(EnrollmentToken, RoundTripsAddressPinAndSecret) {
  EnrollmentToken t{"[::1]:7443", kPin, kSecret};
  std::string error;
  auto parsed = parse_enrollment_token(t.encode() + "\n", &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->address, "[::1]:7443");
  EXPECT_EQ(parsed->ca_pin, kPin);
  EXPECT_EQ(parsed->secret, kSecret);
  EXPECT_EQ(parsed->id().size(), 12u);
  EXPECT_EQ(parsed->id(), t.secret_hash().substr(0, 12));
}

TEST(EnrollmentToken, MalformedTokensSayWhatIsWrong) {
  std::string error;
  EXPECT_FALSE(parse_enrollment_token("abc", &error));
  EXPECT_NE(error.find("TT1."), std::string::npos);
  EXPECT_FALSE(parse_enrollment_token("TT1.a.b", &error));
  EXPECT_NE(error.find("4 dot-separated"), std::string::npos);
  EXPECT_FALSE(parse_enrollment_token("TT1.MTI3LjAuMC4xOjc0NDM.short." + kSecret, &error));
  EXPECT_NE(error.find("CA pin"), std::string::npos);
  EXPECT_FALSE(parse_enrollment_token("TT1.MTI3LjAuMC4xOjc0NDM." + kPin + ".XYZ", &error));
  EXPECT_NE(error.find("secret"), std::string::npos);
  EXPECT_FALSE(parse_enrollment_token("TT1.bm9wb3J0." + kPin + "." + kSecret, &error));
  EXPECT_NE(error.find("host:port"), std::string::npos);
}

}  // namespace
}  // namespace telltale
