#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "platform/linux/timezone.h"
#include "sensor_test_support.h"

namespace {

namespace fs = std::filesystem;
using telltale::platform::linux_probe::TimezoneProbe;

using sensor_test::kFixtures;
constexpr int64_t kJan2026Ms = 1768478400000;  // 2026-01-15 12:00 UTC
constexpr int64_t kJul2026Ms = 1784116800000;  // 2026-07-15 12:00 UTC

TimezoneProbe::Clock at(int64_t ms, std::optional<std::string> tz = std::nullopt) {
  return {[ms] { return ms; }, [tz] { return tz; }};
}

telltale::v1::Snapshot collect(TimezoneProbe& probe, const fs::path& root) {
  return sensor_test::collect_from(probe, root);
}

struct TempRoot : sensor_test::TempRoot {
  TempRoot() : sensor_test::TempRoot("tz") { fs::create_directories(path / "etc"); }
};

TEST(TimezoneProbe, KoreanLaptopSymlinkedToSeoul_ReportsKstPlusNineWithoutDst) {
  TimezoneProbe probe(at(kJan2026Ms));
  auto s = collect(probe, kFixtures / "korean-ime-laptop");
  EXPECT_EQ(s.time().iana_zone(), "Asia/Seoul");
  EXPECT_EQ(s.time().source(), "etc/localtime symlink");
  EXPECT_EQ(s.time().utc_offset_seconds(), 9 * 3600);
  EXPECT_FALSE(s.time().dst());
  EXPECT_EQ(s.time().abbreviation(), "KST");
  EXPECT_EQ(s.time().agent_clock_unix_ms(), kJan2026Ms);
  EXPECT_EQ(s.errors_size(), 0);
}

TEST(TimezoneProbe, CopiedChicagoTzifInSummer_MatchedByContentAsAreaCityWithCdt) {
  TimezoneProbe probe(at(kJul2026Ms));
  auto s = collect(probe, kFixtures / "clean-home-laptop");
  // US/Central holds the same bytes; the Area/City name wins.
  EXPECT_EQ(s.time().iana_zone(), "America/Chicago");
  EXPECT_EQ(s.time().source(), "etc/localtime content");
  EXPECT_EQ(s.time().utc_offset_seconds(), -5 * 3600);
  EXPECT_TRUE(s.time().dst());
  EXPECT_EQ(s.time().abbreviation(), "CDT");
}

TEST(TimezoneProbe, CopiedChicagoTzifInWinter_ReportsCst) {
  TimezoneProbe probe(at(kJan2026Ms));
  auto s = collect(probe, kFixtures / "clean-home-laptop");
  EXPECT_EQ(s.time().utc_offset_seconds(), -6 * 3600);
  EXPECT_FALSE(s.time().dst());
  EXPECT_EQ(s.time().abbreviation(), "CST");
}

TEST(TimezoneProbe, NoFilesButDaemonTzPosixRule_UsesTzWithItsRule) {
  TempRoot root;
  TimezoneProbe probe(at(kJul2026Ms, "EST5EDT,M3.2.0,M11.1.0"));
  auto s = collect(probe, root.path);
  EXPECT_EQ(s.time().source(), "TZ");
  EXPECT_EQ(s.time().iana_zone(), "EST5EDT,M3.2.0,M11.1.0");
  EXPECT_EQ(s.time().utc_offset_seconds(), -4 * 3600);
  EXPECT_EQ(s.time().abbreviation(), "EDT");
}

TEST(TimezoneProbe, ZoneChangedBetweenCollections_RecordsOneChangeAndHandsItOverOnce) {
  TempRoot root;
  fs::create_directories(root.path / "usr/share/zoneinfo/Asia");
  fs::create_directories(root.path / "usr/share/zoneinfo/America");
  fs::copy_file(kFixtures / "korean-ime-laptop/usr/share/zoneinfo/Asia/Seoul", root.path / "usr/share/zoneinfo/Asia/Seoul");
  fs::copy_file(kFixtures / "clean-home-laptop/usr/share/zoneinfo/America/Chicago",
                root.path / "usr/share/zoneinfo/America/Chicago");
  fs::create_symlink("/usr/share/zoneinfo/America/Chicago", root.path / "etc/localtime");
  TimezoneProbe probe(at(kJan2026Ms));
  auto first = collect(probe, root.path);
  EXPECT_EQ(first.time().changes_size(), 0);
  EXPECT_TRUE(probe.take_pending_changes().empty());

  fs::remove(root.path / "etc/localtime");
  fs::create_symlink("/usr/share/zoneinfo/Asia/Seoul", root.path / "etc/localtime");
  auto second = collect(probe, root.path);
  ASSERT_EQ(second.time().changes_size(), 1);
  const auto& c = second.time().changes(0);
  EXPECT_EQ(c.from_zone(), "America/Chicago");
  EXPECT_EQ(c.to_zone(), "Asia/Seoul");
  EXPECT_EQ(c.from_offset_seconds(), -6 * 3600);
  EXPECT_EQ(c.to_offset_seconds(), 9 * 3600);
  EXPECT_EQ(c.at_unix_ms(), kJan2026Ms);
  auto pending = probe.take_pending_changes();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].to_zone(), "Asia/Seoul");
  EXPECT_TRUE(probe.take_pending_changes().empty());
  // The history stays in the snapshot while the agent runs.
  EXPECT_EQ(collect(probe, root.path).time().changes_size(), 1);
}

TEST(TimezoneProbe, TruncatedCopiedTzif_ReportsTheTruncationAndNoOffset) {
  TempRoot root;
  std::ifstream in(kFixtures / "clean-home-laptop/etc/localtime", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(root.path / "etc/localtime", std::ios::binary) << bytes.substr(0, 100);
  TimezoneProbe probe(at(kJan2026Ms));
  auto s = collect(probe, root.path);
  ASSERT_GE(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).path(), "etc/localtime");
  EXPECT_NE(s.errors(0).message().find("truncated"), std::string::npos) << s.errors(0).message();
  EXPECT_EQ(s.time().abbreviation(), "");
}

TEST(TimezoneProbe, SymlinkToZoneMissingFromTree_NamesZoneAndReportsMissingData) {
  TempRoot root;
  fs::create_symlink("/usr/share/zoneinfo/Europe/Berlin", root.path / "etc/localtime");
  TimezoneProbe probe(at(kJan2026Ms));
  auto s = collect(probe, root.path);
  EXPECT_EQ(s.time().iana_zone(), "Europe/Berlin");
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).path(), "usr/share/zoneinfo/Europe/Berlin");
}

TEST(TimezoneProbe, CorruptZoneFileBehindSymlink_ErrorNamesTheZoneFile) {
  TempRoot root;
  fs::create_directories(root.path / "usr/share/zoneinfo/Asia");
  std::ofstream(root.path / "usr/share/zoneinfo/Asia/Pyongyang", std::ios::binary) << "TZif2 but nothing after it";
  fs::create_symlink("/usr/share/zoneinfo/Asia/Pyongyang", root.path / "etc/localtime");
  TimezoneProbe probe(at(kJan2026Ms));
  auto s = collect(probe, root.path);
  EXPECT_EQ(s.time().iana_zone(), "Asia/Pyongyang");
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).path(), "usr/share/zoneinfo/Asia/Pyongyang");
  EXPECT_NE(s.errors(0).message().find("TZif"), std::string::npos);
}

TEST(TimezoneProbe, NothingAtAll_IsAnErrorNotACrash) {
  TempRoot root;
  TimezoneProbe probe(at(kJan2026Ms));
  auto s = collect(probe, root.path);
  EXPECT_EQ(s.time().iana_zone(), "");
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_NE(s.errors(0).message().find("no time zone"), std::string::npos);
}

}  // namespace
