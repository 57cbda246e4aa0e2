// ConsoleApi without a transport, built with ApiOptions (the overload the
// collector can use to pass its own catalog and silence threshold).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

#include "platform/common/hash.h"
#include "server/console/console_api.h"
#include "server/detect/catalog.h"
#include "server/store/sqlite_store.h"

namespace {
namespace json = boost::json;
using namespace telltale::server;
using namespace telltale::server::console;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(ConsoleApiOptions, SilenceThresholdCatalogAndZoneinfoComeFromOptions) {
  auto dir = std::filesystem::temp_directory_path() / ("console-options-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    SqliteStore store(dir / "store.db");
    TokenRecord token;
    token.secret_hash = telltale::sha256_hex("s");
    token.id = token.secret_hash.substr(0, 12);
    token.expires_unix_ms = INT64_MAX;
    token.max_uses = 5;
    store.add_token(token);
    DeviceRecord d;
    d.device_id = "dev-1";
    d.hostname = "h1";
    d.identity_hash = "hw1";
    ASSERT_EQ(store.enroll(token.secret_hash, 1, d).status, EnrollStatus::kOk);
    telltale::v1::Report r;
    r.set_seq(1);
    r.set_created_at_unix_ms(now_ms() - 2 * 3600 * 1000);
    r.mutable_snapshot()->mutable_time()->set_iana_zone("Europe/Berlin");
    std::vector<IncomingReport> batch{{"dev-1", "ipv4:192.0.2.1:1", now_ms() - 2 * 3600 * 1000, &r}};
    ASSERT_EQ(store.ingest(batch).at(0).outcome, IngestOutcome::kStored);

    ConsoleDb db(dir / "console.db");
    db.create_user("root", Role::kAdmin, 1);
    const std::string bearer = "Bearer " + db.create_api_token("root", now_ms(), 3600 * 1000).secret;
    ApiOptions options;
    options.silent_after_ms = 3600 * 1000;  // one hour: the device above is silent
    options.catalog_path = std::string(TELLTALE_SOURCE_DIR) + "/server/detect/catalog/catalog.toml";
    options.zoneinfo_dir = dir / "no-zoneinfo";  // a root without zones: the heatmap falls back to UTC
    ConsoleApi api(db, store, options);
    auto get = [&](const std::string& target) {
      HttpRequest req;
      req.method = "GET";
      req.target = target;
      req.authorization = bearer;
      req.peer = "127.0.0.1";
      return api.handle(req);
    };
    auto overview = json::parse(get("/api/v1/overview").body);
    EXPECT_EQ(overview.at("silent_after_hours").as_int64(), 1);
    EXPECT_EQ(overview.at("silent_devices").as_array().size(), 1u);
    auto catalog = json::parse(get("/api/v1/catalog").body);
    EXPECT_EQ(catalog.at("version").as_string(), telltale::detect::Catalog::builtin().version());
    auto heatmap = json::parse(get("/api/v1/devices/dev-1/heatmap").body);
    EXPECT_EQ(heatmap.at("timezone_source").as_string(), "utc");
    EXPECT_NE(json::serialize(heatmap.at("zone_errors")).find("Europe/Berlin"), std::string::npos);
    EXPECT_EQ(heatmap.at("total").as_int64(), 1);
    auto devices = json::parse(get("/api/v1/devices").body);
    EXPECT_EQ(devices.at("devices").as_array().at(0).at("location_hint").as_string(),
              "DE (timezone Europe/Berlin), egress 192.0.2.1");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
