// The verdict in plain words: the one-line why, evidence grouped by the
// physical thing, and the one score format, on the real fixture snapshots.
#include <gtest/gtest.h>

#include "detect/detect_test_support.h"
#include "server/detect/engine.h"
#include "server/detect/why.h"

namespace telltale::detect {
namespace {

telltale::v1::Verdict verdict_of(const std::string& scenario) {
  static const Engine engine;
  DeviceContext ctx;
  ctx.device_id = scenario;
  return engine.evaluate(testing::load_scenario_snapshot(scenario), ctx);
}

TEST(Why, PiKvmLaptop_NamesTheUsbPortAndTheCaptureDisplay) {
  auto v = verdict_of("fixture-pikvm-laptop");
  ASSERT_EQ(v.level(), "puppeteered");
  const std::string w = why(v);
  EXPECT_NE(w.find("PiKVM"), std::string::npos) << w;
  EXPECT_NE(w.find("on USB 1-3"), std::string::npos) << w;
  EXPECT_NE(w.find("on HDMI-A-1"), std::string::npos) << w;
  EXPECT_EQ(w.find("card0"), std::string::npos) << w;  // the DRM card number means nothing to a reader
}

TEST(Why, PiKvmLaptop_EightUsbRulesMakeOneUsbCard) {
  auto v = verdict_of("fixture-pikvm-laptop");
  auto groups = group_evidence(v);
  size_t usb_cards = 0, usb_indicators = 0, total = 0;
  for (auto& g : groups) {
    total += g.indicators.size();
    if (g.kind == "usb") ++usb_cards, usb_indicators += g.indicators.size();
  }
  EXPECT_EQ(total, static_cast<size_t>(v.indicators_size()));  // every indicator lands in exactly one card
  EXPECT_EQ(usb_cards, 1u);
  EXPECT_GE(usb_indicators, 5u);
  EXPECT_LT(groups.size(), static_cast<size_t>(v.indicators_size()));
  // The USB card comes first (most weight), is critical and says which device.
  EXPECT_EQ(groups[0].thing, "usb 1-3");
  EXPECT_EQ(groups[0].severity, "critical");
  EXPECT_NE(groups[0].label.find("1d6b:0104"), std::string::npos) << groups[0].label;
  for (size_t i = 1; i < groups.size(); ++i) EXPECT_GE(groups[i - 1].score, groups[i].score);
}

TEST(Why, TwoRemoteToolsLaptop_NamesBothTools) {
  auto v = verdict_of("fixture-anydesk-rustdesk-laptop");
  const std::string w = why(v);
  EXPECT_NE(w.find("AnyDesk"), std::string::npos) << w;
  EXPECT_NE(w.find("RustDesk"), std::string::npos) << w;
  auto groups = group_evidence(v);
  ASSERT_GE(groups.size(), 2u);
  EXPECT_EQ(groups[0].kind, "tool");
}

TEST(Why, CleanLaptopWithoutIndicators_SaysSo) {
  telltale::v1::Verdict v;
  v.set_level("clean");
  EXPECT_EQ(why(v), "No indicator matched");
  EXPECT_TRUE(group_evidence(v).empty());
}

TEST(Why, StoredVerdictJson_ReadsBackWithTheSameWhy) {
  auto v = verdict_of("fixture-pikvm-laptop");
  auto back = verdict_from_json(to_json(v));
  ASSERT_TRUE(back);
  EXPECT_EQ(why(*back), why(v));
  EXPECT_FALSE(verdict_from_json("{\"level\": 3"));
}

TEST(FormatScore, OneDecimalAtMostAndNeverAnExponent) {
  EXPECT_EQ(format_score(499.5), "499.5");
  EXPECT_EQ(format_score(500.0), "500");
  EXPECT_EQ(format_score(499.500000001), "499.5");
  EXPECT_EQ(format_score(0.3), "0.3");
  EXPECT_EQ(format_score(0.0), "0");
  EXPECT_EQ(format_score(-0.01), "0");
  EXPECT_EQ(format_score(12345678.0), "12345678");
}

}  // namespace
}  // namespace telltale::detect
