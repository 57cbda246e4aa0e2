// Suppressions through the console: an investigator allow-lists an indicator
// on one laptop or the whole fleet with a reason and an expiry; the device's
// list says "suppressed by <user> until <date>: <reason>", every change is
// audited and the collector is told to re-evaluate.
#include <atomic>
#include <ctime>

#include "tests/console/console_fixture.h"

namespace {
using namespace telltale::console_test;

// A UTC date `days` from now: the console refuses expiries in the past or
// more than two years ahead, so fixed dates would break as the years pass.
std::string date_in(int days) {
  std::time_t t = static_cast<std::time_t>(now_ms() / 1000 + days * 86400LL);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

class SuppressionConsoleTest : public ConsoleTest {
 protected:
  void configure(telltale::server::console::ConsoleConfig& c) override {
    c.suppressions_changed = [this] { ++changes_; };
  }
  std::atomic<int> changes_{0};
};

TEST_F(SuppressionConsoleTest, ApprovedAnyDesk_IsListedWithWhoUntilAndWhy_AuditedAndLiftable) {
  auto a = admin();
  auto inv = user_with_role(a, "ivan", "investigator");
  auto viewer = user_with_role(a, "vera", "viewer");
  const std::string until = date_in(90), later = date_in(60);
  const std::string body = R"({"device_id":"dev-farm-1","indicator_id":"remote.anydesk","reason":"approved AnyDesk for the helpdesk","expires":")" +
                           until + R"("})";
  EXPECT_EQ(post(viewer, "/api/v1/suppressions", body).status, 403);
  auto created = post(inv, "/api/v1/suppressions", body);
  ASSERT_EQ(created.status, 201) << created.body;
  auto s = created.json().as_object();
  EXPECT_EQ(s.at("text").as_string(),
            "remote.anydesk on laptop-17 suppressed by ivan until " + until + ": approved AnyDesk for the helpdesk");
  EXPECT_EQ(s.at("state").as_string(), "active");
  EXPECT_EQ(changes_.load(), 1);
  auto fleet = post(a, "/api/v1/suppressions",
                    R"({"indicator_id":"remote.session_active","reason":"helpdesk sessions","expires":")" + later +
                        R"(T00:00:00Z"})");
  ASSERT_EQ(fleet.status, 201) << fleet.body;
  EXPECT_TRUE(fleet.json().at("fleet_wide").as_bool());

  // The device's list holds its own and the fleet-wide ones; another device's are not in it.
  enroll("dev-other", "laptop-99", "SN99", 1000);
  ASSERT_EQ(post(inv, "/api/v1/suppressions",
                 R"({"device_id":"dev-other","indicator_id":"remote.teamviewer","reason":"x","expires":")" + later + R"("})")
                .status,
            201);
  auto list = get(viewer, "/api/v1/suppressions?device=dev-farm-1").json().at("suppressions").as_array();
  ASSERT_EQ(list.size(), 2u);
  for (auto& row : list) EXPECT_NE(row.at("indicator_id").as_string(), "remote.teamviewer");

  for (const std::string bad : {std::string(R"({"indicator_id":"remote.anydesk","reason":"r","expires":"2001-01-01"})"),
                                std::string(R"({"indicator_id":"remote.anydesk","reason":"r","expires":"2999-01-01"})"),
                                R"({"indicator_id":"remote.anydesk","reason":"","expires":")" + later + R"("})",
                                R"({"indicator_id":"Remote AnyDesk!","reason":"r","expires":")" + later + R"("})",
                                std::string(R"({"indicator_id":"remote.anydesk","reason":"r","expires":"next march"})")})
    EXPECT_EQ(post(inv, "/api/v1/suppressions", bad).status, 400) << bad;
  EXPECT_EQ(post(inv, "/api/v1/suppressions",
                 R"({"device_id":"dev-nope","indicator_id":"remote.anydesk","reason":"r","expires":")" + later + R"("})")
                .status,
            404);

  const std::string id = std::to_string(s.at("id").as_int64());
  auto lifted = post(inv, "/api/v1/suppressions/" + id + "/lift", "{}");
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_EQ(lifted.json().at("state").as_string(), "lifted");
  EXPECT_EQ(lifted.json().at("lifted_by").as_string(), "ivan");
  EXPECT_EQ(post(inv, "/api/v1/suppressions/" + id + "/lift", "{}").status, 409);
  EXPECT_EQ(post(inv, "/api/v1/suppressions/424242/lift", "{}").status, 404);
  EXPECT_EQ(changes_.load(), 4);

  std::vector<std::string> details;
  for (auto& e : audit_entries(a)) {
    std::string action(e.at("action").as_string());
    if (action == "suppression.create" || action == "suppression.lift")
      details.push_back(action + " " + std::string(e.at("target").as_string()) + " " + std::string(e.at("detail").as_string()));
  }
  ASSERT_EQ(details.size(), 4u);
  EXPECT_EQ(details[0], "suppression.lift laptop-17 id=" + id + " indicator=remote.anydesk");
  EXPECT_NE(details[3].find("suppression.create laptop-17 id=" + id + " indicator=remote.anydesk until=" + until +
                            " reason=approved AnyDesk"),
            std::string::npos)
      << details[3];
}

}  // namespace
