// A spool row that no longer parses, or a report that does not survive
// serialisation, is set aside in the quarantine table, counted, logged and
// announced to the collector — and the reports around it still go out.
// Before, pending() skipped such a row without a word, forever.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/spool/spool.h"
#include "platform/common/sqlite.h"
#include "support/temp_dir.h"

namespace telltale::agent {
namespace {

telltale::v1::Report snapshot_report(const std::string& product) {
  telltale::v1::Report r;
  r.mutable_snapshot()->mutable_hardware()->set_product_name(product);
  return r;
}

// Payloads a disk, a crash or an older bug can leave in the spool's payload column.
struct Corruption {
  const char* what;
  std::string payload;
};

std::vector<Corruption> corruptions() {
  telltale::v1::Report invalid_utf8 = snapshot_report("x");
  invalid_utf8.set_seq(2);
  std::string with_bad_string = invalid_utf8.SerializeAsString();
  with_bad_string.replace(with_bad_string.find('x'), 1, "\xff");  // a string field that is not UTF-8: the finding
  std::string truncated = snapshot_report(std::string(200, 'y')).SerializeAsString();
  truncated.resize(truncated.size() / 2);
  return {
      {"garbage bytes", std::string("\xde\xad\xbe\xef\xff\xff\xff\xff\x0f", 9)},
      {"invalid UTF-8 in a string field", with_bad_string},
      {"truncated payload", truncated},
      {"empty payload (parses, but as seq 0)", std::string()},
  };
}

TEST(SpoolQuarantine, CorruptRowWrittenIntoTheSpoolDatabase_IsQuarantinedCountedAnnouncedAndTheOthersStillSent) {
  for (const auto& c : corruptions()) {
    SCOPED_TRACE(c.what);
    testing::TempDir dir;
    const auto path = dir.path() / "spool.db";
    Spool spool(path, {});
    for (int i = 1; i <= 3; ++i) spool.append(snapshot_report("report " + std::to_string(i)));
    {
      sqlite::Database raw(path);
      raw.prepare("UPDATE reports SET payload=? WHERE seq=2").bind_blob(1, c.payload).run();
    }

    auto pending = spool.pending(0, 100);
    ASSERT_EQ(pending.size(), 3u);
    EXPECT_EQ(pending[0].seq(), 1u);
    EXPECT_EQ(pending[1].seq(), 3u) << "the rows around it are still sent";
    EXPECT_EQ(pending[1].snapshot().hardware().product_name(), "report 3");
    // The collector is told, in a report of its own, which seq will never come.
    EXPECT_EQ(pending[2].seq(), 4u);
    ASSERT_EQ(pending[2].events_size(), 1);
    const auto& gap = pending[2].events(0).spool_gap();
    EXPECT_EQ(gap.first_seq(), 2u);
    EXPECT_EQ(gap.last_seq(), 2u);
    EXPECT_EQ(gap.dropped_reports(), 1u);
    EXPECT_NE(gap.reason().find("quarantined on the device"), std::string::npos) << gap.reason();

    EXPECT_EQ(spool.stats().quarantined, 1u);
    EXPECT_EQ(spool.stats().depth, 3u);
    sqlite::Database raw(path);
    auto st = raw.prepare("SELECT seq, payload, reason FROM quarantine");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 2);
    EXPECT_EQ(st.blob(1), c.payload) << "kept as it was, for a person to look at";
    EXPECT_NE(st.text(2).find("does not parse"), std::string::npos);
    EXPECT_FALSE(st.step());

    // Idempotent: asking again neither re-quarantines nor re-announces.
    EXPECT_EQ(spool.pending(0, 100).size(), 3u);
    EXPECT_EQ(spool.stats().quarantined, 1u);
  }
}

TEST(SpoolQuarantine, ReportThatDoesNotParseBackAfterSerialisation_IsQuarantinedAtAppendNotStoredUnsendable) {
  testing::TempDir dir;
  Spool spool(dir.path() / "spool.db", {});
  spool.append(snapshot_report("fine"));
  auto stored = spool.store(snapshot_report(std::string("hangul\xff", 7)));
  EXPECT_TRUE(stored.quarantined);
  EXPECT_EQ(stored.seq, 2u);
  EXPECT_EQ(spool.append(snapshot_report("after")), 4u) << "seq 3 is the announcement";
  auto pending = spool.pending(0, 100);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].seq(), 1u);
  EXPECT_EQ(pending[1].seq(), 3u);
  EXPECT_EQ(pending[1].events(0).spool_gap().first_seq(), 2u);
  EXPECT_NE(pending[1].events(0).spool_gap().reason().find("does not parse back after serialisation"),
            std::string::npos);
  EXPECT_EQ(pending[2].seq(), 4u);
  EXPECT_EQ(spool.stats().quarantined, 1u);
}

TEST(SpoolQuarantine, CorruptSnapshotMetDuringCompaction_IsQuarantinedNotCountedAsCompacted) {
  testing::TempDir dir;
  const auto path = dir.path() / "spool.db";
  SpoolLimits limits;
  limits.max_bytes = 4 * 1024;
  Spool spool(path, limits);
  spool.append(snapshot_report(std::string(1000, 'a')));
  {
    sqlite::Database raw(path);
    raw.prepare("UPDATE reports SET payload=? WHERE seq=1").bind_blob(1, std::string("\xff\xff\xff", 3)).run();
  }
  for (int i = 0; i < 6; ++i) spool.append(snapshot_report(std::string(1000, 'b')));
  EXPECT_EQ(spool.stats().quarantined, 1u);
  sqlite::Database raw(path);
  auto st = raw.prepare("SELECT count(*) FROM quarantine WHERE seq=1");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.int64(0), 1);
  for (const auto& r : spool.pending(0, 100))
    for (const auto& e : r.events())
      if (e.has_spool_gap() && e.spool_gap().reason().find("quarantined") == std::string::npos)
        EXPECT_GT(e.spool_gap().first_seq(), 1u) << "the corrupt row is not reported as compacted too";
}

TEST(SpoolQuarantine, QuarantineKeepsOnlyTheNewestRowsSoABugCannotFillTheDisk) {
  testing::TempDir dir;
  const auto path = dir.path() / "spool.db";
  Spool spool(path, {});
  const int n = static_cast<int>(Spool::kMaxQuarantined) + 6;
  for (int i = 0; i < n; ++i) spool.store(snapshot_report(std::string("\xff", 1)));
  EXPECT_EQ(spool.stats().quarantined, static_cast<uint64_t>(n)) << "the count keeps every one";
  sqlite::Database raw(path);
  auto st = raw.prepare("SELECT count(*) FROM quarantine");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.int64(0), Spool::kMaxQuarantined);
}

}  // namespace
}  // namespace telltale::agent
