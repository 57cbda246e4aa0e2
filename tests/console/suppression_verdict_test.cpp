// An approved tool, allow-listed with a reason and an expiry, stops counting
// in the verdict the collector computes, and counts again once the approval
// expires or is lifted. Real stores (sqlite and PostgreSQL), the real engine,
// the collector's clock played forward instead of sleeping.
#include <gtest/gtest.h>

#include "detect/detect_test_support.h"
#include "server/verdicts/verdict_service.h"
#include "support/store_backends.h"

namespace telltale::server {
namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;
constexpr int64_t kT0 = 1796083200000;  // 2026-12-01T00:00:00Z
constexpr int64_t kMarch2027 = 1803859200000;  // 2027-03-01T00:00:00Z

class SuppressionTest : public StoreBackendTest {
 protected:
  // A clean laptop with AnyDesk running and a session open from nearby.
  void report_anydesk(Store& store) {
    enroll_device(store, "dev-helpdesk");
    auto snap = detect::testing::load_scenario_snapshot("clean-home-laptop");
    auto* t = snap.add_remote_access();
    t->set_tool_id("remote.anydesk");
    t->set_name("AnyDesk");
    t->set_running(true);
    t->set_connected(true);
    auto* p = t->add_peers();
    p->set_remote_address("203.0.113.4:443");
    p->set_rtt_us(20000);
    p->set_rtt_measured(true);
    snap.set_collected_at_unix_ms(now_ - 1000);
    telltale::v1::Report r;
    r.set_seq(1);
    *r.mutable_snapshot() = snap;
    std::vector<IncomingReport> batch = {{"dev-helpdesk", "ipv4:198.51.100.7:40000", now_, &r}};
    ASSERT_EQ(store.ingest(batch).at(0).outcome, IngestOutcome::kStored);
  }
  std::unique_ptr<VerdictService> collector(Store& store) {
    VerdictServiceOptions options;
    options.clock = [this] { return now_; };
    return std::make_unique<VerdictService>(store, detect::Engine(), options);
  }
  static std::vector<std::string> ids(const telltale::v1::Verdict& v) {
    std::vector<std::string> out;
    for (auto& i : v.indicators()) out.push_back(i.id());
    return out;
  }
  int64_t now_ = kT0;
};

TEST_P(SuppressionTest, ApprovedAnyDeskUntilMarch_IsCleanWhileSuppressed_AndReviewAgainAfterExpiry) {
  auto store = open();
  report_anydesk(*store);
  auto service = collector(*store);
  auto before = service->evaluate_device("dev-helpdesk");
  ASSERT_TRUE(before);
  ASSERT_EQ(before->level(), "review") << before->DebugString();
  auto remote = ids(*before);

  // Every remote-access indicator of the tool is allow-listed for this laptop.
  for (auto& id : remote)
    store->add_suppression({0, "dev-helpdesk", id, "approved AnyDesk for the helpdesk", "ivan", now_, kMarch2027});
  service->suppressions_changed();
  auto during = service->evaluate_device("dev-helpdesk");
  EXPECT_EQ(during->level(), "clean") << during->DebugString();
  EXPECT_TRUE(during->indicators().empty());
  EXPECT_EQ(store->verdict_history("dev-helpdesk", 1).at(0).level, "clean");

  now_ = kMarch2027 - 1;
  EXPECT_EQ(service->evaluate_device("dev-helpdesk")->level(), "clean");
  now_ = kMarch2027;  // the approval ends: the verdict returns without anyone touching it
  auto after = service->evaluate_device("dev-helpdesk");
  EXPECT_EQ(after->level(), "review");
  EXPECT_EQ(ids(*after), remote);
  EXPECT_EQ(store->verdict_history("dev-helpdesk", 1).at(0).level, "review");
  // The expired rows stay: what was allowed, by whom and why is evidence.
  auto rows = store->suppressions();
  ASSERT_EQ(rows.size(), remote.size());
  EXPECT_FALSE(rows[0].active_at(now_));
  EXPECT_EQ(rows[0].created_by, "ivan");
}

TEST_P(SuppressionTest, FleetWideSuppressionLifted_CountsAgainAtOnce) {
  auto store = open();
  report_anydesk(*store);
  auto service = collector(*store);
  auto before = service->evaluate_device("dev-helpdesk");
  std::vector<int64_t> rows;
  for (auto& id : ids(*before))
    rows.push_back(store->add_suppression({0, "", id, "AnyDesk is the company's helpdesk tool", "admin", now_, now_ + 30 * kDay}));
  service->suppressions_changed();
  EXPECT_EQ(service->evaluate_device("dev-helpdesk")->level(), "clean");
  // Another device's suppression would not apply; a fleet-wide one does.
  for (auto id : rows) EXPECT_TRUE(store->lift_suppression(id, "admin", now_ + 1));
  EXPECT_FALSE(store->lift_suppression(rows[0], "admin", now_ + 2)) << "lifted twice";
  service->suppressions_changed();
  EXPECT_EQ(service->evaluate_device("dev-helpdesk")->level(), "review");
  EXPECT_EQ(store->suppressions().at(0).lifted_by, "admin");
}

TEST_P(SuppressionTest, SuppressionOnAnotherDevice_DoesNotApply) {
  auto store = open();
  report_anydesk(*store);
  auto service = collector(*store);
  auto before = service->evaluate_device("dev-helpdesk");
  for (auto& id : ids(*before))
    store->add_suppression({0, "dev-other", id, "approved elsewhere", "ivan", now_, now_ + kDay});
  service->suppressions_changed();
  EXPECT_EQ(service->evaluate_device("dev-helpdesk")->level(), "review");
}

INSTANTIATE_STORE_BACKENDS(SuppressionTest);

}  // namespace
}  // namespace telltale::server
