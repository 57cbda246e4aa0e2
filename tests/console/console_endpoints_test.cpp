// Every endpoint of the console API against the same four refusals: no login
// (401), a role one step too low (403), a cookie-session write without the
// CSRF token (403), a malformed JSON body (400); plus bad query parameters
// (400) and unknown ids (404). Adding an endpoint means adding a row here.
#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

enum class Need { kAny, kViewer, kInvestigator, kAdmin };
enum class Body { kNone, kJson, kCsv };

struct Endpoint {
  std::string method;
  std::string target;
  Need need;
  Body body;
};

// Case 1 exists in every test below (opened in SetUp of the fixture user).
const std::vector<Endpoint>& endpoints() {
  static const std::vector<Endpoint> all{
      {"GET", "/api/v1/me", Need::kAny, Body::kNone},
      {"POST", "/api/v1/logout", Need::kAny, Body::kNone},
      {"POST", "/api/v1/password", Need::kAny, Body::kJson},
      {"GET", "/api/v1/overview", Need::kViewer, Body::kNone},
      {"GET", "/api/v1/devices", Need::kViewer, Body::kNone},
      {"GET", "/api/v1/clusters", Need::kViewer, Body::kNone},
      {"GET", "/api/v1/resolve?device=laptop-17", Need::kViewer, Body::kNone},
      {"GET", "/api/v1/devices/dev-farm-1", Need::kInvestigator, Body::kNone},
      {"GET", "/api/v1/devices/dev-farm-1/rtt?days=7", Need::kInvestigator, Body::kNone},
      {"GET", "/api/v1/devices/dev-farm-1/heatmap?days=7", Need::kInvestigator, Body::kNone},
      {"GET", "/api/v1/devices/dev-farm-1/export?format=json", Need::kInvestigator, Body::kNone},
      {"GET", "/api/v1/devices/dev-farm-1/diff", Need::kInvestigator, Body::kNone},
      {"POST", "/api/v1/devices/dev-farm-1/revoke", Need::kAdmin, Body::kNone},
      {"GET", "/api/v1/cases", Need::kInvestigator, Body::kNone},
      {"POST", "/api/v1/cases", Need::kInvestigator, Body::kJson},
      {"GET", "/api/v1/cases/1", Need::kInvestigator, Body::kNone},
      {"POST", "/api/v1/cases/1", Need::kInvestigator, Body::kJson},
      {"POST", "/api/v1/cases/1/notes", Need::kInvestigator, Body::kJson},
      {"GET", "/api/v1/cases/1/export?format=html", Need::kInvestigator, Body::kNone},
      {"POST", "/api/v1/cases/1/evidence", Need::kInvestigator, Body::kNone},
      {"GET", "/api/v1/cases/owners", Need::kInvestigator, Body::kNone},
      {"POST", "/api/v1/cases/bulk", Need::kInvestigator, Body::kJson},
      {"GET", "/api/v1/users", Need::kAdmin, Body::kNone},
      {"POST", "/api/v1/users", Need::kAdmin, Body::kJson},
      {"POST", "/api/v1/users/vera/role", Need::kAdmin, Body::kJson},
      {"POST", "/api/v1/users/vera/disable", Need::kAdmin, Body::kNone},
      {"POST", "/api/v1/users/vera/enable", Need::kAdmin, Body::kNone},
      {"GET", "/api/v1/api-tokens", Need::kAdmin, Body::kNone},
      {"POST", "/api/v1/api-tokens", Need::kAdmin, Body::kJson},
      {"POST", "/api/v1/api-tokens/0123456789abcdef/revoke", Need::kAdmin, Body::kNone},
      {"GET", "/api/v1/audit", Need::kAdmin, Body::kNone},
      {"GET", "/api/v1/enrollment-tokens", Need::kAdmin, Body::kNone},
      {"POST", "/api/v1/enrollment-tokens", Need::kAdmin, Body::kJson},
      {"POST", "/api/v1/enrollment-tokens/0123456789ab/revoke", Need::kAdmin, Body::kNone},
      {"GET", "/api/v1/assignments", Need::kAdmin, Body::kNone},
      {"POST", "/api/v1/assignments", Need::kAdmin, Body::kCsv},
      {"GET", "/api/v1/catalog", Need::kAdmin, Body::kNone},
      {"GET", "/api/v1/agent-health", Need::kAdmin, Body::kNone},
      {"GET", "/api/v1/alerts?state=all", Need::kViewer, Body::kNone},
      {"POST", "/api/v1/alerts/1", Need::kInvestigator, Body::kJson},
      {"GET", "/api/v1/alert-channels", Need::kAdmin, Body::kNone},
      {"POST", "/api/v1/alert-channels", Need::kAdmin, Body::kJson},
      {"POST", "/api/v1/alert-channels/1/test", Need::kAdmin, Body::kNone},
      {"GET", "/api/v1/suppressions?device=dev-farm-1", Need::kViewer, Body::kNone},
      {"POST", "/api/v1/suppressions", Need::kInvestigator, Body::kJson},
      {"POST", "/api/v1/suppressions/1/lift", Need::kInvestigator, Body::kNone},
  };
  return all;
}

class EndpointTable : public ConsoleTest {
 protected:
  void SetUp() override {
    ConsoleTest::SetUp();
    admin_ = admin();
    viewer_ = user_with_role(admin_, "vera", "viewer");
    investigator_ = user_with_role(admin_, "ivan", "investigator");
    ASSERT_EQ(post(investigator_, "/api/v1/cases", R"({"device_id":"dev-farm-1"})").status, 201);
  }
  Session admin_, viewer_, investigator_;
};

TEST_F(EndpointTable, EveryEndpoint_WithoutLogin_Is401) {
  for (auto& e : endpoints()) {
    auto r = call(e.method, e.target, "{}");
    EXPECT_EQ(r.status, 401) << e.method << " " << e.target << ": " << r.body;
    EXPECT_NE(r.body.find("log in"), std::string::npos) << e.target;
  }
}

TEST_F(EndpointTable, EveryEndpoint_WithARoleOneStepTooLow_Is403) {
  for (auto& e : endpoints()) {
    const Session* lower = e.need == Need::kInvestigator ? &viewer_ : e.need == Need::kAdmin ? &investigator_ : nullptr;
    if (!lower) continue;  // nothing below viewer
    auto r = call(e.method, e.target, "{}", lower->cookie, lower->csrf);
    EXPECT_EQ(r.status, 403) << e.method << " " << e.target << ": " << r.body;
    EXPECT_NE(r.body.find("role required"), std::string::npos) << r.body;
  }
}

TEST_F(EndpointTable, EveryWrite_FromACookieSessionWithoutCsrf_Is403) {
  for (auto& e : endpoints()) {
    if (e.method == "GET") continue;
    EXPECT_EQ(call(e.method, e.target, "{}", admin_.cookie).status, 403) << e.target;
    EXPECT_EQ(call(e.method, e.target, "{}", admin_.cookie, "forged").status, 403) << e.target;
  }
  EXPECT_EQ(audit_actions(admin_)[0], "csrf.refused");
  // Nothing was changed by the refused writes.
  EXPECT_FALSE(store_->device("dev-farm-1")->revoked);
}

TEST_F(EndpointTable, EveryJsonWrite_WithMalformedJson_Is400) {
  for (auto& e : endpoints()) {
    if (e.body != Body::kJson) continue;
    for (const char* bad : {"{not json", "[]", "\"text\""}) {
      auto r = post(admin_, e.target, bad);
      EXPECT_EQ(r.status, 400) << e.target << " with " << bad << ": " << r.body;
      EXPECT_TRUE(r.json().as_object().contains("error")) << r.body;
    }
  }
}

TEST_F(EndpointTable, EveryGet_ForTheRightRole_Succeeds) {
  for (auto& e : endpoints()) {
    if (e.method != "GET") continue;
    auto r = get(admin_, e.target);
    EXPECT_EQ(r.status, 200) << e.target << ": " << r.body;
  }
}

TEST_F(EndpointTable, BadQueryParameters_Are400AndNameTheParameter) {
  for (auto [target, name] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v1/devices?sort=colour", "sort"},
           {"/api/v1/devices?order=up", "order"},
           {"/api/v1/devices?verdict=evil", "verdict"},
           {"/api/v1/resolve?device=", "device"},
           {"/api/v1/overview?silent_hours=soon", "silent_hours"},
           {"/api/v1/devices/dev-farm-1/rtt?days=abc", "days"},
           {"/api/v1/devices/dev-farm-1/heatmap?days=0", "days"},
           {"/api/v1/devices/dev-farm-1/diff?from=x", "from"},
           {"/api/v1/devices/dev-farm-1/export?format=pdf", "format"},
           {"/api/v1/cases?status=closed", "status"},
           {"/api/v1/cases/1/export?format=docx", "format"},
           {"/api/v1/audit?limit=-1", "limit"},
           {"/api/v1/alerts?state=open", "state"},
           {"/api/v1/alerts?since=soon", "since"}}) {
    auto r = get(admin_, target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_NE(r.body.find(name), std::string::npos) << r.body;
  }
}

TEST_F(EndpointTable, UnknownIds_Are404AndNameTheId) {
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/devices/nope"},
           {"GET", "/api/v1/devices/nope/rtt"},
           {"GET", "/api/v1/devices/nope/heatmap"},
           {"GET", "/api/v1/devices/nope/export"},
           {"GET", "/api/v1/devices/nope/diff"},
           {"POST", "/api/v1/devices/nope/revoke"},
           {"GET", "/api/v1/cases/999"},
           {"GET", "/api/v1/cases/nope"},
           {"POST", "/api/v1/cases/999"},
           {"POST", "/api/v1/cases/999/notes"},
           {"GET", "/api/v1/cases/999/export"},
           {"POST", "/api/v1/enrollment-tokens/nope/revoke"},
           {"POST", "/api/v1/users/nobody/role"},
           {"POST", "/api/v1/users/nobody/disable"},
           {"POST", "/api/v1/users/nobody/enable"},
           {"POST", "/api/v1/api-tokens/nope/revoke"}}) {
    auto r = call(method, target, R"({"status":"open","text":"x","role":"viewer"})", admin_.cookie, admin_.csrf);
    EXPECT_EQ(r.status, 404) << method << " " << target << ": " << r.body;
    // The route exists: the 404 is about the id, not "no such endpoint".
    EXPECT_EQ(r.body.find("no such endpoint"), std::string::npos) << r.body;
    EXPECT_TRUE(r.body.find("nope") != std::string::npos || r.body.find("999") != std::string::npos ||
                r.body.find("nobody") != std::string::npos)
        << r.body;
  }
  auto r = post(admin_, "/api/v1/cases", R"({"device_id":"ghost"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("ghost"), std::string::npos);
}

}  // namespace
