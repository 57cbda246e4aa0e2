// The hardening issue's agent findings end to end: the real agent binary on a
// fixture root streams to a real collector. Before the fix, one byte 0xff in
// a user's fcitx5 profile made every snapshot unparseable: the spool skipped
// them in silence and the collector never heard from the device again.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "agent/spool/spool.h"
#include "integration/agent_process.h"
#include "integration/store_reads.h"
#include "platform/common/sqlite.h"

namespace telltale::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kMarker = "ROOTONLY-MARKER-51c9";

void put(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(AgentHardening, UserImeConfigWithInvalidUtf8AndAPlantedSymlink_DeviceKeepsReportingRepairedAndRefused) {
  TempDir root;
  fs::copy(fixture("clean-laptop"), root.path(), fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  put(root.path() / "home/alice/.config/fcitx5/profile", "[Groups/0/Items/0]\nName=hangul\xff\n");
  put(root.path() / "root/secret-profile", std::string("[Groups/0/Items/0]\nName=") + kMarker + "\n");
  fs::create_directories(root.path() / "home/bob/.config/fcitx5");
  fs::create_symlink(root.path() / "root/secret-profile", root.path() / "home/bob/.config/fcitx5/profile");

  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  const auto device = agent.device_id();
  agent.start(root.path());
  // The device keeps reporting: several snapshots arrive, not just one.
  ASSERT_TRUE(eventually([&] { return stored_seqs(collector.data_dir(), device).size() >= 3; }, std::chrono::seconds(60)))
      << "--- agent\n" << agent.process().log_text() << "\n--- collector\n" << collector.process().log_text();
  agent.stop();

  server::SqliteStore store(collector.data_dir() / "telltale.db");
  auto snap = store.latest_snapshot(device);
  ASSERT_TRUE(snap);
  bool alice_seen = false;
  for (const auto& user : snap->keyboard().users())
    if (user.user() == "alice")
      for (const auto& im : user.input_methods()) alice_seen |= im.name() == "hangul\xef\xbf\xbd";
  EXPECT_TRUE(alice_seen) << snap->keyboard().DebugString();
  EXPECT_GE(snap->health().strings_repaired(), 1u);
  bool refused = false;
  for (const auto& e : snap->errors())
    refused |= e.path() == "home/bob/.config/fcitx5/profile" && e.message().find("symbolic link") != std::string::npos;
  EXPECT_TRUE(refused) << "the planted symlink is reported, not followed";
  EXPECT_EQ(snap->SerializeAsString().find(kMarker), std::string::npos) << "the root-only file's content leaked";
  const auto log = agent.process().log_text();
  EXPECT_NE(log.find("stored=true"), std::string::npos) << "the collected line says the snapshot was stored";
  EXPECT_EQ(log.find("stored=false"), std::string::npos) << log;
}

TEST(AgentHardening, CorruptSpoolRow_IsAnnouncedToTheCollectorAndTheReportsAroundItArrive) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  const auto device = agent.device_id();
  const auto spool_path = agent.state_dir() / "spool.db";
  {
    agent::Spool spool(spool_path, {});
    for (int i = 1; i <= 3; ++i) {
      telltale::v1::Report r;
      r.mutable_snapshot()->mutable_hardware()->set_product_name("spooled " + std::to_string(i));
      spool.append(std::move(r));
    }
    sqlite::Database raw(spool_path);
    raw.prepare("UPDATE reports SET payload=? WHERE seq=2").bind_blob(1, std::string("\xde\xad\xbe\xef\xff", 5)).run();
  }
  agent.start(fixture("clean-laptop"));
  auto gap_announced = [&] {
    server::SqliteStore store(collector.data_dir() / "telltale.db");
    for (const auto& e : store.events(device, 1000))
      if (e.event.has_spool_gap() && e.event.spool_gap().first_seq() == 2 &&
          e.event.spool_gap().reason().find("quarantined") != std::string::npos)
        return true;
    return false;
  };
  ASSERT_TRUE(eventually(gap_announced, std::chrono::seconds(60)))
      << "--- agent\n" << agent.process().log_text() << "\n--- collector\n" << collector.process().log_text();
  ASSERT_TRUE(eventually(
      [&] {
        server::SqliteStore store(collector.data_dir() / "telltale.db");
        auto snap = store.latest_snapshot(device);
        return snap && snap->health().reports_quarantined() == 1;
      },
      std::chrono::seconds(60)));
  agent.stop();

  const auto seqs = stored_seqs(collector.data_dir(), device);
  EXPECT_TRUE(std::binary_search(seqs.begin(), seqs.end(), 1u));
  EXPECT_FALSE(std::binary_search(seqs.begin(), seqs.end(), 2u)) << "the unreadable row is never sent";
  EXPECT_TRUE(std::binary_search(seqs.begin(), seqs.end(), 3u)) << "the report after it still arrives";
  EXPECT_NE(agent.process().log_text().find("event=spool_report_quarantined seq=2"), std::string::npos);
  sqlite::Database raw(spool_path);
  auto st = raw.prepare("SELECT count(*) FROM quarantine WHERE seq=2");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.int64(0), 1) << "kept on the device for a person to look at";
}

}  // namespace
}  // namespace telltale::testing
