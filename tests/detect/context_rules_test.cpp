// Context rules against an assignment: zone, languages, hours, distance.
#include <gtest/gtest.h>

#include <algorithm>

#include "server/detect/engine.h"

namespace telltale::detect {
namespace {

using telltale::v1::Snapshot;

constexpr int64_t kNow = 1763478000000;  // 2025-11-18T15:00:00Z

bool has(const telltale::v1::Verdict& v, const std::string& id) {
  return std::any_of(v.indicators().begin(), v.indicators().end(), [&](const auto& i) { return i.id() == id; });
}

Snapshot in_zone(const std::string& zone, int offset) {
  Snapshot s;
  s.set_collected_at_unix_ms(kNow);
  s.mutable_time()->set_iana_zone(zone);
  s.mutable_time()->set_utc_offset_seconds(offset);
  return s;
}

// Input every 15 minutes between from_utc and to_utc hours (UTC) for `days`.
void add_activity(Snapshot& s, int from_utc, int to_utc, int days) {
  auto* d = s.mutable_input_activity()->add_devices();
  d->set_device("AT Translated Set 2 keyboard");
  int64_t end = kNow / 1000 / 900 * 900;
  for (int64_t t = end - days * 86400LL; t < end; t += 900) {
    int h = static_cast<int>((t % 86400) / 3600);
    bool in = from_utc < to_utc ? (h >= from_utc && h < to_utc) : (h >= from_utc || h < to_utc);
    if (!in) continue;
    auto* b = d->add_buckets();
    b->set_start_unix(t);
    b->set_key_events(50);
    b->set_pointer_events(100);
  }
}

DeviceContext ctx_for(const Assignment& a) {
  DeviceContext c;
  c.device_id = "dev";
  c.assignment = &a;
  return c;
}

const Assignment kNewYork{"PF1", "Jordan Miles", "jordan@example.com", "America/New_York", "US-NY"};

TEST(ContextRules, ClockInSeoulForANewYorkAssignee_IsAHighTimezoneMismatch) {
  auto v = Engine().evaluate(in_zone("Asia/Seoul", 9 * 3600), ctx_for(kNewYork));
  ASSERT_TRUE(has(v, "context.timezone_mismatch"));
  for (const auto& i : v.indicators())
    if (i.id() == "context.timezone_mismatch") {
      EXPECT_EQ(i.severity(), "high");  // Seoul is a zone of interest
      EXPECT_EQ(i.evidence(0).value(), "Asia/Seoul (UTC+9.0)");
      EXPECT_EQ(i.evidence(1).value(), "America/New_York (UTC-5.0)");
    }
  EXPECT_TRUE(has(v, "time.zone_of_interest"));
}

TEST(ContextRules, SameOffsetUnderAnotherName_IsNoMismatch) {
  EXPECT_FALSE(has(Engine().evaluate(in_zone("America/Detroit", -5 * 3600), ctx_for(kNewYork)),
                   "context.timezone_mismatch"));
  // A zone the catalog does not know is compared by the offset the laptop reported.
  EXPECT_FALSE(has(Engine().evaluate(in_zone("America/Kentucky/Louisville", -5 * 3600), ctx_for(kNewYork)),
                   "context.timezone_mismatch"));
  EXPECT_TRUE(has(Engine().evaluate(in_zone("Asia/Dubai", 4 * 3600), ctx_for(kNewYork)), "context.timezone_mismatch"));
}

TEST(ContextRules, NoAssignment_NothingToCompareWith) {
  auto s = in_zone("Asia/Shanghai", 8 * 3600);
  add_activity(s, 1, 9, 5);
  auto v = Engine().evaluate(s, {});
  for (const auto& i : v.indicators()) EXPECT_NE(i.category(), "context") << i.id();
  EXPECT_TRUE(has(v, "time.zone_of_interest"));
}

TEST(ContextRules, WorkInKoreanDaytime_IsTheNewYorkAssigneesNight) {
  auto s = in_zone("America/New_York", -5 * 3600);
  add_activity(s, 0, 9, 5);  // 09:00-18:00 in UTC+9 = 19:00-04:00 in New York
  EXPECT_TRUE(has(Engine().evaluate(s, ctx_for(kNewYork)), "context.night_activity"));
  auto day = in_zone("America/New_York", -5 * 3600);
  add_activity(day, 14, 22, 5);  // 09:00-17:00 EST
  EXPECT_FALSE(has(Engine().evaluate(day, ctx_for(kNewYork)), "context.night_activity"));
}

TEST(ContextRules, InputInEveryHourForTwoDays_IsAlwaysActive) {
  auto s = in_zone("America/New_York", -5 * 3600);
  add_activity(s, 0, 24, 3);
  EXPECT_TRUE(has(Engine().evaluate(s, {}), "context.always_active"));
  auto office = in_zone("America/New_York", -5 * 3600);
  add_activity(office, 13, 23, 3);
  EXPECT_FALSE(has(Engine().evaluate(office, {}), "context.always_active"));
}

TEST(ContextRules, HistoryBucketsCount_TowardsHours) {
  auto s = in_zone("America/New_York", -5 * 3600);
  add_activity(s, 0, 24, 1);  // one day in this snapshot
  DeviceContext ctx;
  for (int64_t t = kNow / 1000 - 3 * 86400; t < kNow / 1000 - 86400; t += 900) {
    telltale::v1::ActivityBucket b;
    b.set_start_unix(t / 900 * 900);
    b.set_pointer_events(5);
    ctx.activity_history.push_back(b);
  }
  EXPECT_FALSE(has(Engine().evaluate(s, {}), "context.always_active"));
  EXPECT_TRUE(has(Engine().evaluate(s, ctx), "context.always_active"));
}

TEST(ContextRules, KoreanLayoutForAUsAssignee_IsLowAndStaysClean) {
  auto s = in_zone("America/New_York", -5 * 3600);
  auto* l = s.mutable_keyboard()->add_system_layouts();
  l->set_layout("kr");
  l->set_language("ko");
  auto v = Engine().evaluate(s, ctx_for(kNewYork));
  EXPECT_TRUE(has(v, "context.layout_unexpected_for_region"));
  EXPECT_TRUE(has(v, "ime.korean"));
  EXPECT_EQ(v.level(), "clean");
  const Assignment seoul{"PF1", "Min", "", "Asia/Seoul", "KR"};
  EXPECT_FALSE(has(Engine().evaluate(s, ctx_for(seoul)), "context.layout_unexpected_for_region"));
}

TEST(ContextRules, CollectorRttAboveTheRegionsCeiling_IsImplausible) {
  auto s = in_zone("America/New_York", -5 * 3600);
  auto* rtt = s.mutable_latency()->mutable_collector();
  rtt->set_samples(20);
  rtt->set_min_us(60000);
  rtt->set_median_us(70000);
  EXPECT_FALSE(has(Engine().evaluate(s, ctx_for(kNewYork)), "context.collector_rtt_implausible"));
  rtt->set_min_us(190000);
  rtt->set_median_us(200000);
  auto v = Engine().evaluate(s, ctx_for(kNewYork));
  ASSERT_TRUE(has(v, "context.collector_rtt_implausible"));
  EXPECT_EQ(v.indicators(0).severity(), "high");
}

TEST(ContextRules, ContextAloneIsCapped_NeverPuppeteered) {
  auto s = in_zone("Asia/Pyongyang", 9 * 3600);
  add_activity(s, 0, 24, 3);
  auto* rtt = s.mutable_latency()->mutable_collector();
  rtt->set_samples(20);
  rtt->set_min_us(250000);
  auto* l = s.mutable_keyboard()->add_system_layouts();
  l->set_layout("kr");
  l->set_language("ko");
  auto v = Engine().evaluate(s, ctx_for(kNewYork));
  // Context findings add up to far more than the cap; the signatures of the
  // zone (medium × 0.8) and the layout (info) come on top.
  EXPECT_DOUBLE_EQ(v.score(), Engine().config().context_cap + 16 + 5);
  EXPECT_EQ(v.level(), "suspicious");
}

}  // namespace
}  // namespace telltale::detect
