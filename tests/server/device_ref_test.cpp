// What an investigator types for a laptop (id, hostname, serial) resolved the
// same way by telltale-ctl's local commands and the console.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "server/collector/collector.h"
#include "server/ctl/local_commands.h"
#include "server/store/device_ref.h"
#include "server/store/sqlite_store.h"

namespace telltale::server {
namespace {

DeviceRecord dev(const std::string& id, const std::string& host, const std::string& serial) {
  DeviceRecord d;
  d.device_id = id;
  d.hostname = host;
  d.serial = serial;
  return d;
}

TEST(DeviceRef, IdHostnameOrSerial_ResolveCaseInsensitively) {
  std::vector<DeviceRecord> all{dev("dev-1", "lab-7", "5CG1234XYZ"), dev("dev-2", "desk-a", "SNA")};
  EXPECT_EQ(resolve_device_ref(all, "dev-2").matches.at(0).device_id, "dev-2");
  EXPECT_EQ(resolve_device_ref(all, "LAB-7").matches.at(0).device_id, "dev-1");
  EXPECT_EQ(resolve_device_ref(all, "5cg1234xyz").matches.at(0).device_id, "dev-1");
  auto none = resolve_device_ref(all, "5CG1234");  // a prefix is a search, not a name
  EXPECT_FALSE(none.resolved());
  EXPECT_EQ(none.error, "no device has the id, hostname or serial \"5CG1234\"");
}

TEST(DeviceRef, ReusedHostname_IsAmbiguousAndListsEveryCandidate) {
  std::vector<DeviceRecord> all{dev("dev-1", "lab-7", "S1"), dev("dev-2", "lab-7", "S2"), dev("lab-7", "x", "")};
  auto r = resolve_device_ref(all, "lab-7");  // an exact id wins over two hostnames
  ASSERT_TRUE(r.resolved());
  EXPECT_EQ(r.matches[0].device_id, "lab-7");
  all.pop_back();
  r = resolve_device_ref(all, "lab-7");
  EXPECT_FALSE(r.resolved());
  EXPECT_EQ(r.error,
            "\"lab-7\" matches 2 devices: dev-1 (host lab-7, serial S1), dev-2 (host lab-7, serial S2); give a device id");
}

TEST(DeviceRef, CtlLocalCommands_TakeAHostnameAndRefuseAnAmbiguousOne) {
  auto dir = std::filesystem::temp_directory_path() / ("ttref-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    SqliteStore store(database_file(dir));
    TokenRecord t;
    t.id = "seed";
    t.secret_hash = "seedhash";
    t.expires_unix_ms = INT64_MAX;
    t.max_uses = 10;
    store.add_token(t);
    auto a = dev("dev-a", "lab-7", "S1"), b = dev("dev-b", "lab-7", "S2");
    a.identity_hash = "hw-a", b.identity_hash = "hw-b";
    ASSERT_EQ(store.enroll("seedhash", 1, a).status, EnrollStatus::kOk);
    ASSERT_EQ(store.enroll("seedhash", 1, b).status, EnrollStatus::kOk);
    store.save_verdict({"dev-a", 5, "review", 12.5, "{}"});
  }
  std::ostringstream out, err;
  ctl::LocalContext ctx{dir, ctl::Format::kTable, out, err};
  EXPECT_EQ(ctl::verdict_history(ctx, "S1"), 0) << err.str();
  EXPECT_NE(out.str().find("review"), std::string::npos);
  EXPECT_EQ(ctl::device_revoke(ctx, "lab-7"), 1);
  EXPECT_NE(err.str().find("matches 2 devices: dev-a (host lab-7, serial S1), dev-b"), std::string::npos) << err.str();
  EXPECT_EQ(ctl::device_revoke(ctx, "s2"), 0) << err.str();
  EXPECT_NE(out.str().find("device dev-b revoked"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace telltale::server
