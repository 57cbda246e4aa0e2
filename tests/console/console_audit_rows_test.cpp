// The audit log as an admin reads it: one row per admin page visit (its
// count says how many lists were read), targets named as people know them,
// and the catalog summary counting stored verdicts by their catalog.
#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

const std::vector<std::string> kAdminLists = {"/api/v1/api-tokens", "/api/v1/enrollment-tokens", "/api/v1/assignments",
                                              "/api/v1/catalog", "/api/v1/agent-health"};

TEST_F(ConsoleTest, AdminPageVisit_ReadingFiveLists_IsOneAuditRowCountingThem) {
  auto a = admin();
  for (auto& path : kAdminLists) ASSERT_EQ(get(a, path).status, 200) << path;
  size_t rows = 0;
  int64_t count = 0;
  for (auto& e : audit_entries(a)) {
    const std::string action(e.at("action").as_string());
    if (action == "api_token.list" || action == "enrollment_token.list" || action == "assignments.list" ||
        action == "catalog.view" || action == "agent_health.view") {
      ++rows;
      count = e.at("count").as_int64();
    }
  }
  EXPECT_EQ(rows, 1u);
  EXPECT_EQ(count, 5);
  // A change is never folded: creating a token is its own row.
  ASSERT_EQ(post(a, "/api/v1/api-tokens", R"({"username":"admin"})").status, 201);
  auto actions = audit_actions(a);
  EXPECT_EQ(actions[0], "api_token.create");
}

TEST_F(ConsoleTest, AuditTargets_AreHostnamesAndCasesNotDeviceIds) {
  auto a = admin();
  ASSERT_EQ(get(a, "/api/v1/devices/dev-farm-1").status, 200);
  const auto id = post(a, "/api/v1/cases", R"({"device_id":"dev-farm-1"})").json().at("id").as_int64();
  std::map<std::string, std::string> names;
  for (auto& e : audit_entries(a)) names[std::string(e.at("action").as_string())] = std::string(e.at("target_name").as_string());
  EXPECT_EQ(names["evidence.view"], "laptop-17");
  EXPECT_EQ(names["case.open"], "case #" + std::to_string(id) + " (laptop-17)");
  EXPECT_EQ(names["password.change"], "admin");
}

TEST_F(ConsoleTest, CatalogSummary_CountsStoredVerdictsByTheirCatalogVersion) {
  store_->save_verdict({"dev-farm-1", now_ms(), "puppeteered", 1,
                        R"({"level":"puppeteered","score":1,"catalogVersion":"2026.11.2"})"});
  auto a = admin();
  auto versions = get(a, "/api/v1/catalog").json().at("verdict_catalog_versions").as_object();
  EXPECT_EQ(versions.size(), 1u) << json::serialize(versions);
  EXPECT_EQ(versions.at("2026.11.2").as_int64(), 1);
}

}  // namespace
