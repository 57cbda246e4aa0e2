// Presence-check rules (issue 20): each answer the agent can report, judged
// on a clean laptop's real scenario snapshot, and next to a KVM that the
// device rules already see.
#include <gtest/gtest.h>

#include "detect_test_support.h"
#include "server/detect/engine.h"

namespace telltale::detect {
namespace {

using telltale::v1::Verdict;

constexpr int64_t kHour = 3600 * 1000;

const telltale::v1::Indicator* find(const Verdict& v, const std::string& id) {
  for (const auto& i : v.indicators())
    if (i.id() == id) return &i;
  return nullptr;
}

int presence_indicators(const Verdict& v) {
  int n = 0;
  for (const auto& i : v.indicators()) n += i.category() == "presence";
  return n;
}

PresenceEvidence check(const std::string& id, const std::string& action, int64_t answered_ms,
                       telltale::v1::PresenceOutcome outcome,
                       telltale::v1::PresenceDeviceClass cls = telltale::v1::PRESENCE_DEVICE_UNKNOWN) {
  PresenceEvidence e;
  e.check_id = id;
  e.action = action;
  e.answered_unix_ms = answered_ms;
  e.summary = "recorded for the test";
  e.observation.set_outcome(outcome);
  e.observation.set_device_class(cls);
  e.observation.set_session_type("x11");
  return e;
}

// Five reaction trials with the given times, all from one device class.
void reactions(PresenceEvidence& e, std::initializer_list<uint32_t> ms, uint32_t median) {
  for (uint32_t t : ms) {
    auto* trial = e.observation.add_trials();
    trial->set_reaction_ms(t);
    trial->set_device_class(e.observation.device_class());
  }
  e.observation.set_median_reaction_ms(median);
}

class PresenceRules : public ::testing::Test {
 protected:
  Verdict judge(const std::string& scenario, std::vector<PresenceEvidence> presence) {
    auto snap = testing::load_scenario_snapshot(scenario);
    DeviceContext ctx;
    ctx.device_id = "dev-presence";
    now_ = snap.collected_at_unix_ms();
    ctx.now_unix_ms = now_;
    ctx.presence = std::move(presence);
    return engine_.evaluate(snap, ctx);
  }
  int64_t now() {
    if (now_ == 0) now_ = testing::load_scenario_snapshot("fixture-clean-laptop").collected_at_unix_ms();
    return now_;
  }
  Engine engine_;
  int64_t now_ = 0;
};

TEST_F(PresenceRules, CleanLaptopAnsweredAtTheBuiltInKeyboard_StaysCleanWithNoPresenceIndicator) {
  auto pass = check("chk-1", "reaction", now() - kHour, telltale::v1::PRESENCE_OUTCOME_ANSWERED,
                    telltale::v1::PRESENCE_DEVICE_BUILT_IN);
  reactions(pass, {280, 300, 290, 310, 270}, 290);
  auto v = judge("fixture-clean-laptop", {pass});
  EXPECT_EQ(v.level(), "clean") << render_text(v);
  EXPECT_EQ(presence_indicators(v), 0) << render_text(v);
}

TEST_F(PresenceRules, AnswerTypedThroughXtest_IsInjectedEvidenceButOnItsOwnOnlyReview) {
  auto injected = check("chk-2", "key", now() - kHour, telltale::v1::PRESENCE_OUTCOME_ANSWERED,
                        telltale::v1::PRESENCE_DEVICE_INJECTED);
  injected.observation.set_helper_keys_without_kernel_event(1);
  auto v = judge("fixture-clean-laptop", {injected});
  const auto* ind = find(v, "presence.answered_injected");
  ASSERT_NE(ind, nullptr) << render_text(v);
  EXPECT_EQ(ind->severity(), "high");
  EXPECT_EQ(v.level(), "review") << render_text(v);
  EXPECT_NE(render_text(v).find("chk-2 (key)"), std::string::npos) << render_text(v);
}

TEST_F(PresenceRules, EveryFailureAtOnce_IsCappedBelowSuspicious_NeverProofByItself) {
  auto bad = check("chk-3", "reaction", now() - kHour, telltale::v1::PRESENCE_OUTCOME_ANSWERED,
                   telltale::v1::PRESENCE_DEVICE_VIRTUAL);
  bad.observation.set_remote_session(true);
  reactions(bad, {900, 950, 1010, 880, 940}, 940);
  auto v = judge("fixture-clean-laptop", {bad});
  EXPECT_NE(find(v, "presence.answered_virtual"), nullptr) << render_text(v);
  EXPECT_NE(find(v, "presence.remote_session"), nullptr) << render_text(v);
  EXPECT_NE(find(v, "presence.late_answer"), nullptr) << render_text(v);
  EXPECT_LE(v.score(), engine_.config().presence_cap + 0.05) << render_text(v);
  EXPECT_EQ(v.level(), "review") << render_text(v);
}

TEST_F(PresenceRules, ExternalUsbKeyboardAnsweringLate_NamesTheDeviceAndTheMedian) {
  auto late = check("chk-4", "reaction", now() - kHour, telltale::v1::PRESENCE_OUTCOME_ANSWERED,
                    telltale::v1::PRESENCE_DEVICE_EXTERNAL_USB);
  late.observation.set_usb_vendor(0x1d6b);
  late.observation.set_usb_product(0x0104);
  reactions(late, {930, 960, 940, 1020, 900}, 940);
  auto v = judge("fixture-clean-laptop", {late});
  const std::string text = render_text(v);
  EXPECT_NE(text.find("1d6b:0104"), std::string::npos) << text;
  EXPECT_NE(text.find("940 ms over 5 trials"), std::string::npos) << text;
  EXPECT_NE(find(v, "presence.late_answer"), nullptr) << text;
}

TEST_F(PresenceRules, SlowButHumanReactionsOnTheBuiltInKeyboard_AreNotLate) {
  auto slowish = check("chk-5", "reaction", now() - kHour, telltale::v1::PRESENCE_OUTCOME_ANSWERED,
                       telltale::v1::PRESENCE_DEVICE_BUILT_IN);
  reactions(slowish, {420, 450, 390, 610, 440}, 440);
  auto v = judge("fixture-clean-laptop", {slowish});
  EXPECT_EQ(find(v, "presence.late_answer"), nullptr) << render_text(v);
}

TEST_F(PresenceRules, LaterBuiltInAnswer_SupersedesEarlierMisses) {
  auto miss1 = check("chk-6", "key", now() - 30 * kHour, telltale::v1::PRESENCE_OUTCOME_NO_ANSWER);
  auto miss2 = check("chk-7", "key", now() - 20 * kHour, telltale::v1::PRESENCE_OUTCOME_NO_ANSWER);
  auto pass = check("chk-8", "lid", now() - kHour, telltale::v1::PRESENCE_OUTCOME_ANSWERED,
                    telltale::v1::PRESENCE_DEVICE_BUILT_IN);
  auto v = judge("fixture-clean-laptop", {miss1, pass, miss2});
  EXPECT_EQ(presence_indicators(v), 0) << render_text(v);
}

TEST_F(PresenceRules, MissesInARow_WeighMoreThanOne) {
  auto one = judge("fixture-clean-laptop",
                   {check("chk-9", "key", now() - kHour, telltale::v1::PRESENCE_OUTCOME_NO_ANSWER)});
  auto two = judge("fixture-clean-laptop",
                   {check("chk-9", "key", now() - kHour, telltale::v1::PRESENCE_OUTCOME_NO_ANSWER),
                    check("chk-10", "key", now() - 5 * kHour, telltale::v1::PRESENCE_OUTCOME_NO_ANSWER)});
  const auto* a = find(one, "presence.unanswered");
  const auto* b = find(two, "presence.unanswered");
  ASSERT_NE(a, nullptr) << render_text(one);
  ASSERT_NE(b, nullptr) << render_text(two);
  EXPECT_GT(b->score(), a->score());
}

TEST_F(PresenceRules, DeclinedCheck_IsRecordedAsDeclinedAndWeighsLittle) {
  auto v = judge("fixture-clean-laptop",
                 {check("chk-11", "key", now() - kHour, telltale::v1::PRESENCE_OUTCOME_DECLINED)});
  const auto* d = find(v, "presence.declined");
  ASSERT_NE(d, nullptr) << render_text(v);
  EXPECT_EQ(d->severity(), "low");
  EXPECT_EQ(v.level(), "clean") << render_text(v);
}

TEST_F(PresenceRules, CheckOlderThanTheWindow_NoLongerCounts) {
  const int64_t old = now() - static_cast<int64_t>((engine_.config().presence_window_days + 1) * 24) * kHour;
  auto v = judge("fixture-clean-laptop",
                 {check("chk-12", "key", old, telltale::v1::PRESENCE_OUTCOME_ANSWERED,
                        telltale::v1::PRESENCE_DEVICE_INJECTED)});
  EXPECT_EQ(presence_indicators(v), 0) << render_text(v);
}

TEST_F(PresenceRules, NoSessionOrUnsupported_SaysNothingAboutWhoSitsThere) {
  auto v = judge("fixture-clean-laptop",
                 {check("chk-13", "key", now() - kHour, telltale::v1::PRESENCE_OUTCOME_NO_SESSION),
                  check("chk-14", "lid", now() - 2 * kHour, telltale::v1::PRESENCE_OUTCOME_UNSUPPORTED)});
  EXPECT_EQ(presence_indicators(v), 0) << render_text(v);
}

TEST_F(PresenceRules, KvmOnUsbAndItsAnswerThroughTheKvm_AddUp) {
  auto without = judge("fixture-pikvm-laptop", {});
  auto through_kvm = check("chk-15", "key", now() - kHour, telltale::v1::PRESENCE_OUTCOME_ANSWERED,
                           telltale::v1::PRESENCE_DEVICE_EXTERNAL_USB);
  through_kvm.observation.set_usb_vendor(0x1d6b);
  through_kvm.observation.set_usb_product(0x0104);
  auto with = judge("fixture-pikvm-laptop", {through_kvm});
  EXPECT_GT(with.score(), without.score()) << render_text(with);
  EXPECT_EQ(with.level(), "puppeteered") << render_text(with);
}

}  // namespace
}  // namespace telltale::detect
