// Behaviour rules (issue 17): each with a laptop that shows it and one that
// does not, on snapshots shaped as the agent reports them, then the two
// fixture scenarios judged on behaviour alone.
#include <gtest/gtest.h>

#include <algorithm>

#include "detect_test_support.h"
#include "server/detect/engine.h"

namespace telltale::detect {
namespace {

using telltale::v1::DeviceActivity;
using telltale::v1::Snapshot;
using telltale::v1::Verdict;

constexpr int64_t kNow = 1795478400000;  // 2026-11-24T00:00:00Z
constexpr int64_t kDay = 86400;

const telltale::v1::Indicator* find(const Verdict& v, const std::string& id) {
  for (const auto& i : v.indicators())
    if (i.id() == id) return &i;
  return nullptr;
}

std::string facts(const Verdict& v) { return render_text(v); }

// A laptop (lid switch, internal panel) with its own keyboard and touchpad.
Snapshot laptop(bool lid_closed = false) {
  Snapshot s;
  s.set_collected_at_unix_ms(kNow);
  s.mutable_lid()->set_present(true);
  s.mutable_lid()->set_closed(lid_closed);
  auto* panel = s.add_displays();
  panel->set_connector("eDP-1");
  panel->set_internal(true);
  auto* kbd = s.add_input_devices();
  kbd->set_name("AT Translated Set 2 keyboard");
  kbd->set_bus(0x11);
  kbd->set_keyboard(true);
  kbd->add_handlers("event3");
  auto* pad = s.add_input_devices();
  pad->set_name("SYNA8004:00 06CB:CDD6 Touchpad");
  pad->set_bus(0x18);
  pad->set_touchpad(true);
  pad->add_handlers("event5");
  return s;
}

// Input on `days` days ending at kNow, `per_day` events spread over hours
// [from_utc, to_utc) of each day.
DeviceActivity& device(Snapshot& s, const std::string& name, const std::string& node, uint32_t bus, int days,
                       uint64_t per_day, int from_utc = 14, int to_utc = 22) {
  auto* d = s.mutable_input_activity()->add_devices();
  d->set_device(name);
  d->set_event_node(node);
  d->set_bus(bus);
  d->set_virtual_device(bus == 0x06);
  for (int h = 0; h < 24; ++h) d->add_events_by_utc_hour(0);
  const int slots = (to_utc - from_utc) * 4;
  for (int day = days; day >= 1; --day)
    for (int q = 0; q < slots; ++q) {
      auto* b = d->add_buckets();
      const int64_t start = kNow / 1000 - day * kDay + from_utc * 3600 + q * 900;
      b->set_start_unix(start);
      b->set_key_events(per_day / slots);
      const int h = static_cast<int>((start % kDay) / 3600);
      d->set_events_by_utc_hour(h, d->events_by_utc_hour(h) + per_day / slots);
      d->set_key_presses(d->key_presses() + per_day / slots);
    }
  return *d;
}

DeviceContext ctx(const Assignment* a = nullptr) {
  DeviceContext c;
  c.device_id = "laptop-1";
  c.assignment = a;
  return c;
}

const Assignment kNewYork{"PF1", "Jordan Miles", "jordan@example.com", "America/New_York", "US-NY"};

// ---------------------------------------------------------------- provenance

TEST(BehaviourRules, AllInputOverUsbForThreeDaysOnALaptop_IsExternalOnly) {
  auto s = laptop();
  device(s, "Logitech USB Receiver", "event7", 0x03, 3, 1200);
  auto v = Engine().evaluate(s, ctx());
  const auto* i = find(v, "behaviour.input_external_only");
  ASSERT_NE(i, nullptr) << facts(v);
  EXPECT_EQ(i->category(), "behaviour");
  EXPECT_DOUBLE_EQ(i->confidence(), 0.5);  // half: nothing says the input crossed a network
  EXPECT_NE(facts(v).find("weight: half"), std::string::npos) << facts(v);
  EXPECT_NE(facts(v).find("100% USB, 0% virtual, 0% built-in"), std::string::npos) << facts(v);
  EXPECT_NE(facts(v).find("also seen when: a docked laptop"), std::string::npos) << facts(v);
}

TEST(BehaviourRules, LaptopTypedOnItsOwnKeyboardToo_IsNotExternalOnly) {
  auto s = laptop();
  device(s, "Logitech USB Receiver", "event7", 0x03, 3, 1200);
  device(s, "AT Translated Set 2 keyboard", "event3", 0x11, 3, 200);
  EXPECT_EQ(find(Engine().evaluate(s, ctx()), "behaviour.input_external_only"), nullptr);
}

TEST(BehaviourRules, DesktopWithoutBuiltInInput_IsNotJudgedOnProvenance) {
  auto s = laptop();
  s.clear_input_devices();
  device(s, "Logitech USB Receiver", "event7", 0x03, 3, 1200);
  EXPECT_EQ(find(Engine().evaluate(s, ctx()), "behaviour.input_external_only"), nullptr);
}

TEST(BehaviourRules, OneAfternoonOnAnExternalKeyboard_IsTooShortAWindow) {
  auto s = laptop();
  device(s, "Logitech USB Receiver", "event7", 0x03, 1, 3000);
  EXPECT_EQ(find(Engine().evaluate(s, ctx()), "behaviour.input_external_only"), nullptr);
}

TEST(BehaviourRules, OlderAgentWithoutBus_SourceComesFromTheInputDeviceList) {
  auto s = laptop();
  auto* kvm = s.add_input_devices();
  kvm->set_name("Virtual core XTEST keyboard");
  kvm->set_bus(0x06);
  kvm->set_virtual_device(true);
  kvm->add_handlers("event6");
  device(s, "Virtual core XTEST keyboard", "event6", 0, 3, 1200).set_virtual_device(false);
  auto v = Engine().evaluate(s, ctx());
  ASSERT_NE(find(v, "behaviour.input_external_only"), nullptr);
  EXPECT_NE(facts(v).find("0% USB, 100% virtual"), std::string::npos) << facts(v);
}

// ---------------------------------------------------------------- bursts

TEST(BehaviourRules, KeystrokesClumpedByTheNetwork_AreDeliveryBursts) {
  auto s = laptop();
  auto& d = device(s, "Logitech USB Receiver", "event7", 0x03, 1, 100);
  d.set_key_intervals(2700);
  d.set_burst_intervals(280);
  d.set_burst_after_gap(90);
  auto v = Engine().evaluate(s, ctx());
  const auto* i = find(v, "behaviour.key_delivery_bursts");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->severity(), "medium");
  EXPECT_DOUBLE_EQ(i->confidence(), 1.0);
  EXPECT_NE(facts(v).find("10% of 2700 key-to-key intervals under 3 ms; 90 of those 280"), std::string::npos)
      << facts(v);
}

TEST(BehaviourRules, FastTypistRollingOverKeys_IsNoBurst) {
  auto s = laptop();
  auto& d = device(s, "Logitech USB Keyboard", "event7", 0x03, 1, 100);
  d.set_key_intervals(3150);
  d.set_burst_intervals(25);  // 0.8%: two keys in one 8 ms poll now and then
  EXPECT_EQ(find(Engine().evaluate(s, ctx()), "behaviour.key_delivery_bursts"), nullptr);
}

TEST(BehaviourRules, AFewIntervals_AreNotEnoughToJudgeBursts) {
  auto s = laptop();
  auto& d = device(s, "Logitech USB Receiver", "event7", 0x03, 1, 100);
  d.set_key_intervals(50);
  d.set_burst_intervals(25);
  EXPECT_EQ(find(Engine().evaluate(s, ctx()), "behaviour.key_delivery_bursts"), nullptr);
}

// ---------------------------------------------------------------- teleports

TEST(BehaviourRules, AbsolutePointerJumpingAcrossTheScreen_Teleports) {
  auto s = laptop();
  auto& d = device(s, "Logitech USB Receiver Mouse", "event8", 0x03, 1, 100);
  d.set_absolute_moves(850);
  d.set_absolute_jumps(175);
  auto v = Engine().evaluate(s, ctx());
  const auto* i = find(v, "behaviour.absolute_pointer_teleports");
  ASSERT_NE(i, nullptr);
  EXPECT_DOUBLE_EQ(i->confidence(), 1.0);
  EXPECT_NE(facts(v).find("21% of 850 absolute pointer moves"), std::string::npos) << facts(v);
}

TEST(BehaviourRules, PenTabletDrawingContinuousStrokes_DoesNotTeleport) {
  auto s = laptop();
  auto& d = device(s, "Wacom Intuos S Pen", "event9", 0x03, 1, 100);
  d.set_absolute_moves(12000);
  d.set_absolute_jumps(30);  // 0.25%: the pen leaving and re-entering without a proximity event
  EXPECT_EQ(find(Engine().evaluate(s, ctx()), "behaviour.absolute_pointer_teleports"), nullptr);
}

TEST(BehaviourRules, BuiltInTouchscreen_IsNotJudgedOnTeleports) {
  auto s = laptop();
  auto& d = device(s, "ELAN9008:00 04F3:2C82", "event10", 0x18, 1, 100);
  d.set_absolute_moves(500);
  d.set_absolute_jumps(200);
  EXPECT_EQ(find(Engine().evaluate(s, ctx()), "behaviour.absolute_pointer_teleports"), nullptr);
}

// ---------------------------------------------------------------- lid closed

TEST(BehaviourRules, TypingOverUsbWithTheLidShut_WeighsHalfWithoutRemoteSigns) {
  auto s = laptop(true);
  s.mutable_lid()->set_switch_changes(6);
  s.mutable_lid()->set_closed_seconds(3 * 8 * 3600);
  auto& d = device(s, "Logitech USB Keyboard", "event7", 0x03, 1, 100);
  d.set_key_presses_lid_closed(3000);
  d.set_pointer_reports_lid_closed(9000);
  auto v = Engine().evaluate(s, ctx());
  const auto* i = find(v, "behaviour.lid_closed_usb_typing");
  ASSERT_NE(i, nullptr) << facts(v);
  EXPECT_DOUBLE_EQ(i->confidence(), 0.5);
  EXPECT_NE(facts(v).find("3000 key presses and 9000 pointer reports over USB with the lid closed"), std::string::npos);
  EXPECT_NE(facts(v).find("6 lid switch changes, closed for 24.0 hours"), std::string::npos) << facts(v);
}

TEST(BehaviourRules, TypingOverUsbWithTheLidShutAndClumpedDelivery_BothDockingFindingsWeighFully) {
  auto s = laptop(true);
  auto& d = device(s, "Logitech USB Receiver", "event7", 0x03, 1, 100);
  d.set_key_presses_lid_closed(2700);
  d.set_key_intervals(2700);
  d.set_burst_intervals(280);
  device(s, "Logitech USB Receiver Mouse", "event8", 0x03, 3, 1200);
  auto v = Engine().evaluate(s, ctx());
  const auto* i = find(v, "behaviour.lid_closed_usb_typing");
  ASSERT_NE(i, nullptr);
  EXPECT_DOUBLE_EQ(i->confidence(), 1.0);
  ASSERT_NE(find(v, "behaviour.input_external_only"), nullptr);
  EXPECT_DOUBLE_EQ(find(v, "behaviour.input_external_only")->confidence(), 1.0);
}

TEST(BehaviourRules, LidShutButTypingOnTheBuiltInKeyboard_IsNoLidFinding) {
  // An odd but harmless case: a convertible folded into tablet mode reports the lid closed.
  auto s = laptop(true);
  device(s, "Logitech USB Keyboard", "event7", 0x03, 1, 100).set_key_presses_lid_closed(300);
  device(s, "AT Translated Set 2 keyboard", "event3", 0x11, 1, 100).set_key_presses_lid_closed(900);
  EXPECT_EQ(find(Engine().evaluate(s, ctx()), "behaviour.lid_closed_usb_typing"), nullptr);
}

TEST(BehaviourRules, NoLidAtAll_IsNoLidFinding) {
  auto s = laptop();
  s.clear_lid();
  device(s, "Logitech USB Keyboard", "event7", 0x03, 1, 100).set_key_presses_lid_closed(3000);
  EXPECT_EQ(find(Engine().evaluate(s, ctx()), "behaviour.lid_closed_usb_typing"), nullptr);
}

// ---------------------------------------------------------------- hours

TEST(BehaviourRules, InputInTheNewYorkNightEveryDay_IsNightHours) {
  auto s = laptop();
  // 05:30-10:30 UTC is 00:30-05:30 in New York (EST, UTC-5).
  device(s, "Logitech USB Receiver", "event7", 0x03, 4, 960, 6, 10);
  auto v = Engine().evaluate(s, ctx(&kNewYork));
  const auto* i = find(v, "behaviour.night_hours");
  ASSERT_NE(i, nullptr) << facts(v);
  EXPECT_EQ(i->category(), "context");
  EXPECT_NE(facts(v).find("100% of 3840 input events between 00:00 and 06:00 America/New_York; mostly at night on 4 of 4 days"),
            std::string::npos)
      << facts(v);
  EXPECT_NE(facts(v).find("busiest local hours: "), std::string::npos);
}

TEST(BehaviourRules, OfficeHoursInNewYork_AreNoNightHours) {
  auto s = laptop();
  device(s, "Logitech USB Receiver", "event7", 0x03, 4, 960, 14, 22);
  EXPECT_EQ(find(Engine().evaluate(s, ctx(&kNewYork)), "behaviour.night_hours"), nullptr);
}

TEST(BehaviourRules, OneLateNight_IsNotConsistentNightWork) {
  auto s = laptop();
  device(s, "Logitech USB Receiver", "event7", 0x03, 1, 960, 6, 10);
  EXPECT_EQ(find(Engine().evaluate(s, ctx(&kNewYork)), "behaviour.night_hours"), nullptr);
}

// ---------------------------------------------------------------- catalog

TEST(BehaviourRules, EveryBehaviourIndicator_HasACatalogEntryWithSourceAndFalsePositiveStory) {
  const auto& c = Catalog::builtin();
  for (const char* id : {"behaviour.input_external_only", "behaviour.lid_closed_usb_typing", "behaviour.key_delivery_bursts",
                         "behaviour.absolute_pointer_teleports", "behaviour.night_hours"}) {
    const auto* b = c.find_behaviour(id);
    ASSERT_NE(b, nullptr) << id;
    EXPECT_FALSE(b->source.empty()) << id;
    EXPECT_FALSE(b->false_positive.empty()) << id;
  }
}

TEST(BehaviourRules, CatalogWithoutTheEntry_TurnsTheRuleOff) {
  auto c = Catalog::parse("version = \"t\"\n", "t.toml");
  auto s = laptop();
  device(s, "Logitech USB Receiver", "event7", 0x03, 3, 1200);
  EXPECT_EQ(find(Engine(c).evaluate(s, ctx()), "behaviour.input_external_only"), nullptr);
}

TEST(BehaviourRules, BehaviourEntryWithoutFalsePositiveStory_IsRefusedWithItsLine) {
  try {
    Catalog::parse("version = \"t\"\n[[behaviour]]\nid = \"behaviour.x\"\ntitle = \"x\"\nseverity = \"low\"\nsource = \"s\"\n",
                   "t.toml");
    FAIL() << "accepted";
  } catch (const CatalogError& e) {
    EXPECT_NE(std::string(e.what()).find("t.toml:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("false_positive"), std::string::npos) << e.what();
  }
}

TEST(BehaviourRules, Thresholds_ComeFromTheDetectConfig) {
  auto cfg = parse_detect_config("[detect]\nburst_share = 0.2\nteleport_min_moves = 10\n", "c.toml");
  EXPECT_DOUBLE_EQ(cfg.burst_share, 0.2);
  auto s = laptop();
  auto& d = device(s, "Logitech USB Receiver", "event7", 0x03, 1, 100);
  d.set_key_intervals(2700);
  d.set_burst_intervals(280);
  EXPECT_EQ(find(Engine(Catalog::builtin(), cfg).evaluate(s, ctx()), "behaviour.key_delivery_bursts"), nullptr);
}

// ---------------------------------------------------------------- the two desks

// The score of the behaviour findings alone: behaviour indicators in full,
// the context ones (night hours) under the context cap as the engine does.
double behaviour_score(const Verdict& v, const DetectConfig& cfg) {
  double behaviour = 0, context = 0;
  for (const auto& i : v.indicators()) {
    if (!i.id().starts_with("behaviour.")) continue;
    (i.category() == "context" ? context : behaviour) += i.score();
  }
  return behaviour + std::min(context, cfg.context_cap);
}

TEST(BehaviourRules, KvmWithCopiedLogitechIdentityAndMonitor_IsSuspiciousOnBehaviourAlone) {
  auto s = testing::load_scenario_snapshot("fixture-kvm-copied-logitech-laptop");
  Engine engine;
  auto v = engine.evaluate(s, ctx(&kNewYork));
  for (const char* id : {"behaviour.input_external_only", "behaviour.lid_closed_usb_typing", "behaviour.key_delivery_bursts",
                         "behaviour.absolute_pointer_teleports", "behaviour.night_hours"})
    EXPECT_NE(find(v, id), nullptr) << id << "\n" << facts(v);
  EXPECT_GE(behaviour_score(v, engine.config()), engine.config().suspicious_threshold) << facts(v);
  EXPECT_GE(level_rank(v.level()), 2) << facts(v);
}

TEST(BehaviourRules, DockedOfficeWorkerWithLogitechKeyboard_StaysClean) {
  auto s = testing::load_scenario_snapshot("fixture-docked-office-laptop");
  const Assignment chicago{"PF2", "Sam Ortiz", "sam@example.com", "America/Chicago", "US-IL"};
  Engine engine;
  auto v = engine.evaluate(s, ctx(&chicago));
  // Both docking findings are there for the investigator, and with the
  // external-display one weigh under `review`: nothing says the input
  // travels over a network.
  ASSERT_NE(find(v, "behaviour.input_external_only"), nullptr) << facts(v);
  EXPECT_DOUBLE_EQ(find(v, "behaviour.input_external_only")->confidence(), 0.5);
  ASSERT_NE(find(v, "behaviour.lid_closed_usb_typing"), nullptr) << facts(v);
  EXPECT_DOUBLE_EQ(find(v, "behaviour.lid_closed_usb_typing")->confidence(), 0.5);
  for (const char* id : {"behaviour.key_delivery_bursts", "behaviour.absolute_pointer_teleports", "behaviour.night_hours"})
    EXPECT_EQ(find(v, id), nullptr) << id;
  EXPECT_LT(behaviour_score(v, engine.config()), engine.config().review_threshold);
  EXPECT_EQ(v.level(), "clean") << facts(v);
}

}  // namespace
}  // namespace telltale::detect
