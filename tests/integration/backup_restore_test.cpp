// telltale-ctl backup / restore of the sqlite store, with a real collector
// and a real agent streaming the whole time.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <csignal>
#include <fstream>

#include "integration/agent_process.h"
#include "integration/store_reads.h"

namespace telltale::testing {
namespace {
using namespace std::chrono_literals;

// Reports of `device` in a database file, read-only (a backup must not be
// touched by the check).
int64_t reports_in(const std::filesystem::path& db, const std::string& device) {
  sqlite3* h = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM reports WHERE device_id=?", -1, &st, nullptr) == SQLITE_OK) {
      sqlite3_bind_text(st, 1, device.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return n;
}

void stop(CollectorProcess& collector) {
  collector.process().signal(SIGTERM);
  collector.process().wait(15s);
}

class BackupRestore : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(agent_.enroll(collector_.token()).exit_code, 0);
    device_ = agent_.device_id();
    agent_.start(fixture("clean-laptop"));
    ASSERT_TRUE(eventually([&] { return stored_seqs(collector_.data_dir(), device_).size() >= 3; }, 60s))
        << collector_.process().log_text();
  }
  void TearDown() override { agent_.stop(); }

  CollectorProcess collector_;
  AgentProcess agent_;
  std::string device_;
  TempDir out_;
};

TEST_F(BackupRestore, OnlineBackupWhileAnAgentStreams_HasEveryReportStoredBeforeItAndIngestGoesOn) {
  const auto before = stored_seqs(collector_.data_dir(), device_).size();
  const auto file = out_.path() / "telltale-backup.db";
  auto r = collector_.ctl({"--format", "json", "backup", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"devices\":\"1\""), std::string::npos) << r.out;
  EXPECT_GE(reports_in(file, device_), static_cast<int64_t>(before));
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".partial"));
  EXPECT_FALSE(std::filesystem::exists(file.string() + "-wal")) << "one self-contained file";
  // The collector never stopped taking reports.
  ASSERT_TRUE(eventually([&] { return stored_seqs(collector_.data_dir(), device_).size() >= before + 2; }, 60s));
  // A second backup to the same name is refused, the first left alone.
  const auto size = std::filesystem::file_size(file);
  r = collector_.ctl({"backup", file.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  EXPECT_EQ(std::filesystem::file_size(file), size);
}

TEST_F(BackupRestore, RestoreWhileTheCollectorRunsIsRefusedAndChangesNothing) {
  const auto file = out_.path() / "b.db";
  ASSERT_EQ(collector_.ctl({"backup", file.string()}).exit_code, 0);
  auto r = collector_.ctl({"restore", file.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("in use (stop telltale-collector first)"), std::string::npos) << r.err;
  for (const auto& entry : std::filesystem::directory_iterator(collector_.data_dir()))
    EXPECT_EQ(entry.path().filename().string().find("before-restore"), std::string::npos) << entry.path();
  const auto now = stored_seqs(collector_.data_dir(), device_).size();
  EXPECT_TRUE(eventually([&] { return stored_seqs(collector_.data_dir(), device_).size() > now; }, 60s));
}

TEST_F(BackupRestore, RestoreIntoAStoppedCollector_TheDeviceComesBackAndItsAgentStreamsOn) {
  const auto file = out_.path() / "b.db";
  ASSERT_EQ(collector_.ctl({"backup", file.string()}).exit_code, 0);
  const auto in_backup = reports_in(file, device_);
  // Reports keep arriving after the backup; a restore rolls them back.
  ASSERT_TRUE(eventually([&] { return static_cast<int64_t>(stored_seqs(collector_.data_dir(), device_).size()) >=
                                      in_backup + 2; }, 60s));
  stop(collector_);
  auto r = collector_.ctl({"restore", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("before-restore"), std::string::npos) << "says where the replaced database went: " << r.err;
  EXPECT_EQ(static_cast<int64_t>(stored_seqs(collector_.data_dir(), device_).size()), in_backup);

  collector_.restart();
  // The device is known again (its certificate is accepted) and its new
  // reports are stored on top of the restored history.
  ASSERT_TRUE(eventually([&] { return static_cast<int64_t>(stored_seqs(collector_.data_dir(), device_).size()) >=
                                      in_backup + 2; }, 60s))
      << collector_.process().log_text() << agent_.process().log_text();
  auto devices = collector_.ctl({"--format", "csv", "devices"});
  EXPECT_NE(devices.out.find(device_), std::string::npos);
}

TEST_F(BackupRestore, RestoreOfAFileThatIsNotAGoodTelltaleStoreIsRefusedAndTheLiveOneKept) {
  stop(collector_);
  const auto live_before = stored_seqs(collector_.data_dir(), device_).size();
  const auto garbage = out_.path() / "garbage.db";
  std::ofstream(garbage) << "this is not a database";
  const auto foreign = out_.path() / "foreign.db";
  {
    sqlite3* h = nullptr;
    sqlite3_open(foreign.c_str(), &h);
    sqlite3_exec(h, "CREATE TABLE notes(x); INSERT INTO notes VALUES(1)", nullptr, nullptr, nullptr);
    sqlite3_close(h);
  }
  const auto newer = out_.path() / "newer.db";
  ASSERT_EQ(collector_.ctl({"backup", newer.string()}).exit_code, 0);
  {
    sqlite3* h = nullptr;
    sqlite3_open(newer.c_str(), &h);
    sqlite3_exec(h, "PRAGMA user_version=999", nullptr, nullptr, nullptr);
    sqlite3_close(h);
  }
  const std::pair<std::filesystem::path, const char*> cases[] = {
      {garbage, "not a readable sqlite database"},
      {foreign, "is not a Telltale store (no table devices)"},
      {newer, "schema version 999 is newer than this build understands"},
      {out_.path() / "missing.db", "cannot open"},
  };
  for (const auto& [file, why] : cases) {
    auto r = collector_.ctl({"restore", file.string()});
    EXPECT_EQ(r.exit_code, 1) << file;
    EXPECT_NE(r.err.find(why), std::string::npos) << file << ": " << r.err;
  }
  EXPECT_EQ(stored_seqs(collector_.data_dir(), device_).size(), live_before) << "the live database was not touched";
  collector_.restart();
}

TEST(BackupRestorePostgres, BackupAndRestoreOnAPostgresStoreSayWhichToolToUse) {
  TempDir data;
  for (const char* cmd : {"backup", "restore"}) {
    auto r = run({binary("telltale-ctl").string(), "--data-dir", data.path().string(), "--store",
                  "postgresql://telltale@127.0.0.1:1/telltale", cmd, "x.db"});
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_NE(r.err.find("pg_dump"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace telltale::testing
