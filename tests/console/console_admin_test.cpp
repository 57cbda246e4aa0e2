// The admin page's data: assignment import from CSV, enrollment tokens,
// roles, the catalog in use and the agents' own health reports.
#include "platform/common/file.h"
#include "server/ca/certificate_authority.h"
#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

TEST_F(ConsoleTest, AssignmentsCsv_ImportsAndListsAndNamesTheBadLine) {
  auto a = admin();
  const std::string csv =
      "device,employee,email,timezone,region\n"
      "SN17,\"Example, Alice\",alice@example.com,America/Chicago,US-TX\n"
      "dev-2,Bob,bob@example.com,Europe/Berlin,DE\n";
  auto r = call("POST", "/api/v1/assignments", csv, a.cookie, a.csrf, {}, "text/csv");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("imported").as_int64(), 2);
  auto list = get(a, "/api/v1/assignments").json().at("assignments").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(store_->assignments().size(), 2u);
  auto devices = get(a, "/api/v1/devices").json().at("devices").as_array();
  EXPECT_EQ(devices[0].at("assignee").at("employee").as_string(), "Example, Alice");

  // Line 3 has too few fields: refused whole, the earlier import stays.
  auto bad = call("POST", "/api/v1/assignments", "device,employee,email,timezone,region\nA,B,c@d,UTC,US\nX,Y\n",
                  a.cookie, a.csrf, {}, "text/csv");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find(":3"), std::string::npos) << bad.body;
  EXPECT_EQ(store_->assignments().size(), 2u);
  EXPECT_EQ(call("POST", "/api/v1/assignments", csv, a.cookie, a.csrf).status, 415);  // JSON content type

  auto actions = audit_actions(a);
  EXPECT_NE(std::find(actions.begin(), actions.end(), "assignments.import"), actions.end());
}

TEST_F(ConsoleTest, EnrollmentTokens_CreateShowsSecretOnceListNeverAndRevokeRefusesIt) {
  telltale::server::CertificateAuthority::open_or_create(dir_);
  telltale::write_file_atomic(dir_ / "listen_address", "collector.example:4443\n", 0644);
  auto a = admin();
  auto r = post(a, "/api/v1/enrollment-tokens", R"({"max_uses":5,"ttl_hours":48,"note":"new hires"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id(r.json().at("id").as_string()), token(r.json().at("token").as_string());
  EXPECT_FALSE(token.empty());
  EXPECT_EQ(r.json().at("address").as_string(), "collector.example:4443");

  auto listed = get(a, "/api/v1/enrollment-tokens");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(token), std::string::npos);
  EXPECT_EQ(listed.body.find("secret"), std::string::npos);
  bool found = false;
  const auto tokens = listed.json();
  for (auto& t : tokens.at("tokens").as_array())
    if (t.at("id").as_string() == id) {
      found = true;
      EXPECT_EQ(t.at("max_uses").as_int64(), 5);
      EXPECT_EQ(t.at("uses").as_int64(), 0);
      EXPECT_EQ(t.at("note").as_string(), "new hires");
      EXPECT_FALSE(t.at("revoked").as_bool());
      EXPECT_NEAR(static_cast<double>(t.at("expires_unix_ms").as_int64() - t.at("created_unix_ms").as_int64()),
                  48.0 * 3600 * 1000, 1000);
    }
  EXPECT_TRUE(found);

  ASSERT_EQ(post(a, "/api/v1/enrollment-tokens/" + id + "/revoke", "").status, 200);
  for (auto& t : store_->tokens()) {
    if (t.id == id) {
      EXPECT_TRUE(t.revoked);
    }
  }
  EXPECT_EQ(post(a, "/api/v1/enrollment-tokens", R"({"max_uses":0,"ttl_hours":1})").status, 400);
  EXPECT_EQ(post(a, "/api/v1/enrollment-tokens", R"({"max_uses":1,"ttl_hours":0})").status, 400);
  auto actions = audit_actions(a);
  EXPECT_NE(std::find(actions.begin(), actions.end(), "enrollment_token.create"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "enrollment_token.revoke"), actions.end());
}

TEST_F(ConsoleTest, EnrollmentToken_WithoutCollectorCa_Is503WithTheReason) {
  auto a = admin();
  auto r = post(a, "/api/v1/enrollment-tokens", R"({"max_uses":1,"ttl_hours":1})");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("ca.crt"), std::string::npos) << r.body;
}

TEST_F(ConsoleTest, UserRole_ChangesTakeEffectAndTheLastAdminStays) {
  auto a = admin();
  auto v = user_with_role(a, "vera", "viewer");
  EXPECT_EQ(get(v, "/api/v1/devices/dev-farm-1").status, 403);
  ASSERT_EQ(post(a, "/api/v1/users/vera/role", R"({"role":"investigator"})").status, 200);
  EXPECT_EQ(get(v, "/api/v1/devices/dev-farm-1").status, 200);
  EXPECT_EQ(post(a, "/api/v1/users/vera/role", R"({"role":"root"})").status, 400);
  EXPECT_EQ(post(a, "/api/v1/users/admin/role", R"({"role":"viewer"})").status, 409);
  auto entries = audit_entries(a);
  bool seen = false;
  for (auto& e : entries)
    if (e.at("action").as_string() == "user.role") {
      seen = true;
      EXPECT_EQ(e.at("detail").as_string(), "viewer->investigator");
    }
  EXPECT_TRUE(seen);
}

TEST_F(ConsoleTest, Catalog_ShowsVersionAndRuleIds) {
  auto a = admin();
  auto r = get(a, "/api/v1/catalog");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.json().at("version").as_string().empty());
  auto body = r.body;
  EXPECT_NE(body.find("\"usb.pikvm_otg\""), std::string::npos);
}

TEST_F(ConsoleTest, AgentHealth_ComesFromTheLatestSnapshotSelfReport) {
  const int64_t now = now_ms();
  telltale::v1::Report rep;
  rep.set_seq(1);
  rep.set_created_at_unix_ms(now);
  auto* h = rep.mutable_snapshot()->mutable_health();
  h->set_version("1.4.2");
  h->set_rss_bytes(23 << 20);
  h->set_cpu_percent(0.7);
  h->set_spool_depth(3);
  ingest("dev-farm-1", rep, now);
  enroll("dev-quiet", "laptop-q", "SNQ", now);
  auto a = admin();
  auto r = get(a, "/api/v1/agent-health");
  ASSERT_EQ(r.status, 200) << r.body;
  auto agents = r.json().as_array();
  ASSERT_EQ(agents.size(), 2u);
  for (auto& ag : agents) {
    if (ag.at("device_id").as_string() != "dev-farm-1") {
      EXPECT_FALSE(ag.at("has_report").as_bool());
      continue;
    }
    EXPECT_EQ(ag.at("hostname").as_string(), "laptop-17");
    EXPECT_EQ(ag.at("agent_version").as_string(), "1.4.2");
    EXPECT_EQ(ag.at("rss_bytes").as_int64(), 23 << 20);
    EXPECT_DOUBLE_EQ(ag.at("cpu_percent").as_double(), 0.7);
    EXPECT_EQ(ag.at("spool_depth").as_int64(), 3);
    EXPECT_EQ(ag.at("last_seen_unix_ms").as_int64(), now);
  }
}

}  // namespace
