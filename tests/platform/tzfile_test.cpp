#include "platform/decode/tzfile.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using telltale::decode::local_time_at;
using telltale::decode::parse_posix_tz;
using telltale::decode::parse_tzif;

void put32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}
void put64(std::string& s, int64_t v) {
  put32(s, static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32));
  put32(s, static_cast<uint32_t>(v));
}

struct Type {
  int32_t off;
  bool dst;
  std::string abbr;
};

// Builds a TZif file the way zic writes one (RFC 8536 §3).
std::string tzif(char version, const std::vector<int64_t>& times, const std::vector<uint8_t>& idx,
                 const std::vector<Type>& types, const std::string& footer = "") {
  std::string chars;
  std::vector<uint8_t> desig;
  for (const auto& t : types) {
    desig.push_back(static_cast<uint8_t>(chars.size()));
    chars += t.abbr;
    chars.push_back('\0');
  }
  auto block = [&](int size) {
    std::string b = "TZif";
    b.push_back(version);
    b.append(15, '\0');
    put32(b, 0);
    put32(b, 0);
    put32(b, 0);
    put32(b, static_cast<uint32_t>(times.size()));
    put32(b, static_cast<uint32_t>(types.size()));
    put32(b, static_cast<uint32_t>(chars.size()));
    for (auto t : times) size == 4 ? put32(b, static_cast<uint32_t>(t)) : put64(b, t);
    for (auto i : idx) b.push_back(static_cast<char>(i));
    for (size_t i = 0; i < types.size(); ++i) {
      put32(b, static_cast<uint32_t>(types[i].off));
      b.push_back(types[i].dst ? 1 : 0);
      b.push_back(static_cast<char>(desig[i]));
    }
    b += chars;
    return b;
  };
  std::string out = block(4);
  if (version != '\0') out += block(8) + "\n" + footer + "\n";
  return out;
}

constexpr int64_t k2026Jan15 = 1768478400;  // 2026-01-15 12:00 UTC
constexpr int64_t k2026Jul15 = 1784116800;  // 2026-07-15 12:00 UTC

TEST(TzFile, SeoulV2WithFixedFooter_ReportsKstPlusNine) {
  auto bytes = tzif('2', {-1325494800, 0}, {0, 1}, {{30600, false, "KST"}, {32400, false, "KST"}}, "KST-9");
  auto r = parse_tzif(bytes);
  ASSERT_TRUE(r.tz) << r.error;
  EXPECT_EQ(r.tz->version, 2);
  EXPECT_EQ(r.tz->footer, "KST-9");
  auto now = local_time_at(*r.tz, k2026Jan15);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->utc_offset, 32400);
  EXPECT_FALSE(now->dst);
  EXPECT_EQ(now->abbreviation, "KST");
  // Before the first transition type 0 applies.
  EXPECT_EQ(local_time_at(*r.tz, -2000000000)->utc_offset, 30600);
}

TEST(TzFile, ChicagoAfterLastTransition_FooterRuleGivesCdtInJulyAndCstInJanuary) {
  auto bytes = tzif('2', {0}, {0}, {{-21600, false, "CST"}}, "CST6CDT,M3.2.0,M11.1.0");
  auto r = parse_tzif(bytes);
  ASSERT_TRUE(r.tz) << r.error;
  auto summer = local_time_at(*r.tz, k2026Jul15);
  EXPECT_EQ(summer->utc_offset, -18000);
  EXPECT_TRUE(summer->dst);
  EXPECT_EQ(summer->abbreviation, "CDT");
  auto winter = local_time_at(*r.tz, k2026Jan15);
  EXPECT_EQ(winter->utc_offset, -21600);
  EXPECT_EQ(winter->abbreviation, "CST");
}

TEST(TzFile, UsDstStartsAtTwoLocalOnSecondSundayOfMarch) {
  auto tz = parse_posix_tz("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(tz);
  // 2026-03-08 is the second Sunday; 02:00 EST = 07:00 UTC = 1772953200.
  EXPECT_FALSE(local_time_at(*tz, 1772953199).dst);
  EXPECT_TRUE(local_time_at(*tz, 1772953200).dst);
  // 2026-11-01 02:00 EDT = 06:00 UTC = 1793512800.
  EXPECT_TRUE(local_time_at(*tz, 1793512799).dst);
  EXPECT_FALSE(local_time_at(*tz, 1793512800).dst);
}

TEST(TzFile, SouthernHemisphereRule_DaylightAcrossNewYear) {
  auto tz = parse_posix_tz("AEST-10AEDT,M10.1.0,M4.1.0/3");
  ASSERT_TRUE(tz);
  auto jan = local_time_at(*tz, k2026Jan15);
  EXPECT_TRUE(jan.dst);
  EXPECT_EQ(jan.utc_offset, 39600);
  EXPECT_FALSE(local_time_at(*tz, k2026Jul15).dst);
}

TEST(TzFile, QuotedNumericAbbreviations_Parse) {
  auto tz = parse_posix_tz("<+0830>-8:30");
  ASSERT_TRUE(tz);
  EXPECT_EQ(tz->standard.abbreviation, "+0830");
  EXPECT_EQ(tz->standard.utc_offset, 8 * 3600 + 1800);
  EXPECT_FALSE(tz->daylight);
}

TEST(TzFile, VersionOneFileWithoutFooter_UsesLastTransition) {
  auto bytes = tzif('\0', {0, 1000000000}, {0, 1}, {{28800, false, "CST"}, {32400, false, "KST"}});
  auto r = parse_tzif(bytes);
  ASSERT_TRUE(r.tz) << r.error;
  EXPECT_EQ(r.tz->version, 1);
  EXPECT_EQ(local_time_at(*r.tz, k2026Jan15)->utc_offset, 32400);
  EXPECT_EQ(local_time_at(*r.tz, 500)->utc_offset, 28800);
}

TEST(TzFile, V2DataBlockDisagreesWithV1_V2Wins) {
  // The 64-bit block is authoritative (RFC 8536 §4); zic's "slim" output leaves v1 empty.
  auto bytes = tzif('3', {100}, {0}, {{3600, false, "CET"}}, "CET-1");
  auto r = parse_tzif(bytes);
  ASSERT_TRUE(r.tz) << r.error;
  EXPECT_EQ(r.tz->version, 3);
  EXPECT_EQ(local_time_at(*r.tz, k2026Jan15)->abbreviation, "CET");
}

TEST(TzFile, TruncatedFiles_AreRefusedWithTheReason) {
  auto bytes = tzif('2', {0}, {0}, {{-21600, false, "CST"}}, "CST6");
  for (size_t cut : {size_t{0}, size_t{10}, size_t{43}, size_t{50}, bytes.size() - 3, bytes.size() - 1}) {
    auto r = parse_tzif(std::string_view(bytes).substr(0, cut));
    EXPECT_FALSE(r.tz) << "cut at " << cut;
    EXPECT_FALSE(r.error.empty());
  }
  EXPECT_NE(parse_tzif(std::string_view(bytes).substr(0, 30)).error.find("truncated header"), std::string::npos);
}

TEST(TzFile, GarbageAndOutOfRangeIndices_AreRefused) {
  EXPECT_NE(parse_tzif(std::string("not a tzif file at all, just some text that is long enough")).error.find("magic"), std::string::npos);
  auto bad_index = tzif('\0', {0}, {5}, {{0, false, "UTC"}});
  EXPECT_NE(parse_tzif(bad_index).error.find("names type 5"), std::string::npos);
  auto unsorted = tzif('\0', {10, 5}, {0, 0}, {{0, false, "UTC"}});
  EXPECT_NE(parse_tzif(unsorted).error.find("not after"), std::string::npos);
  auto bad_footer = tzif('2', {0}, {0}, {{0, false, "UTC"}}, "??");
  EXPECT_NE(parse_tzif(bad_footer).error.find("footer"), std::string::npos);
}

TEST(TzFile, MalformedPosixStrings_AreRefused) {
  for (const char* s : {"", "E", "EST", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0", "<+09", "EST5EDT,J0,J365", "EST99"})
    EXPECT_FALSE(parse_posix_tz(s)) << s;
}

TEST(TzFile, SystemZoneinfoWhenPresent_ParsesEveryCommonZone) {
  // The real tzdata on this machine is the best conformance corpus we have.
  for (const char* zone : {"America/Chicago", "Asia/Seoul", "Asia/Pyongyang", "Europe/London", "Australia/Sydney"}) {
    FILE* f = std::fopen((std::string("/usr/share/zoneinfo/") + zone).c_str(), "rb");
    if (!f) GTEST_SKIP() << "no system tzdata";
    std::string bytes(1 << 20, '\0');
    bytes.resize(std::fread(bytes.data(), 1, bytes.size(), f));
    std::fclose(f);
    auto r = parse_tzif(bytes);
    EXPECT_TRUE(r.tz) << zone << ": " << r.error;
  }
}

}  // namespace
