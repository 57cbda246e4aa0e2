// The capture-device rule family on real EDIDs from linuxhw/EDID, both ways:
// each real capture device / KVM plugged into an otherwise clean laptop must
// move its verdict to review or higher, and no real monitor, TV or panel in
// the vendored set may move it at all. The rates are printed for the docs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "detect/detect_test_support.h"
#include "platform/decode/edid.h"
#include "platform/edid_real_corpus.h"
#include "server/detect/engine.h"

namespace telltale::detect {
namespace {

using telltale::testing::load_real_edids;
using telltale::testing::RealEdid;

// The clean laptop fixture with its external monitor replaced by `edid` on HDMI.
telltale::v1::Snapshot clean_laptop_with(const RealEdid& edid) {
  auto snap = testing::load_scenario_snapshot("fixture-clean-laptop");
  auto* displays = snap.mutable_displays();
  displays->erase(std::remove_if(displays->begin(), displays->end(), [](const auto& d) { return !d.internal(); }),
                  displays->end());
  auto* d = snap.add_displays();
  d->set_connector("card0-HDMI-A-1");
  d->set_connector_type("HDMI-A");
  d->set_status("connected");
  d->set_enabled(true);
  d->set_edid_raw(std::string(edid.bytes.begin(), edid.bytes.end()));
  *d->mutable_edid() = telltale::decode::decode_edid(edid.bytes);
  return snap;
}

std::string indicators_of(const telltale::v1::Verdict& v) {
  std::string s;
  for (const auto& i : v.indicators()) s += (s.empty() ? "" : ", ") + i.id();
  return s;
}

TEST(RealEdids, CleanLaptopBaseline_IsClean) {
  auto snap = testing::load_scenario_snapshot("fixture-clean-laptop");
  EXPECT_EQ(Engine().evaluate(snap, {}).level(), "clean");
}

TEST(RealEdids, RealCaptureDevicesAndKvms_MoveACleanLaptopToReviewOrHigher) {
  Engine engine;
  const auto set = load_real_edids("capture_devices.tsv");
  size_t moved = 0, by_structure = 0;
  std::vector<std::string> missed;
  for (const auto& edid : set) {
    const auto v = engine.evaluate(clean_laptop_with(edid), {});
    const bool structure = std::any_of(v.indicators().begin(), v.indicators().end(),
                                       [](const auto& i) { return i.id() == "display.capture_device"; });
    if (structure) ++by_structure;
    if (level_rank(v.level()) >= 1) ++moved;
    else missed.push_back(edid.source + " (" + indicators_of(v) + ")");
  }
  std::printf("capture devices/KVMs: %zu of %zu real EDIDs move a clean laptop to review or higher (%.1f%%); "
              "display.capture_device fires on %zu\n",
              moved, set.size(), 100.0 * moved / set.size(), by_structure);
  for (const auto& m : missed) std::printf("  missed: %s\n", m.c_str());
  EXPECT_GE(set.size(), 80u);
  EXPECT_GE(moved * 10, set.size() * 9) << "fewer than 90% of real capture devices detected";
}

TEST(RealEdids, RealMonitorsTvsAndPanels_LeaveACleanLaptopClean) {
  Engine engine;
  const auto set = load_real_edids("monitors.tsv");
  std::vector<std::string> moved;
  size_t unregistered = 0;
  for (const auto& edid : set) {
    const auto v = engine.evaluate(clean_laptop_with(edid), {});
    if (level_rank(v.level()) >= 1) moved.push_back(edid.source + " → " + v.level() + " (" + indicators_of(v) + ")");
    for (const auto& i : v.indicators())
      if (i.id() == "display.edid_unregistered_pnp") ++unregistered;
  }
  std::printf("monitors: %zu of %zu real monitors/TVs/panels move a clean laptop (%.1f%%); "
              "display.edid_unregistered_pnp fires on %zu (%.1f%%)\n",
              moved.size(), set.size(), 100.0 * moved.size() / set.size(), unregistered,
              100.0 * unregistered / set.size());
  EXPECT_GE(set.size(), 300u);
  for (const auto& m : moved) ADD_FAILURE() << m;
}

// Each catalog entry added from the real corpus, with one real EDID it must
// match and one real monitor it must not (the nearest one: same vendor id
// where the set has one).
struct CatalogCase {
  const char* id;
  const char* positive;
  const char* negative;
};
constexpr CatalogCase kCatalogCases[] = {
    {"edid.pikvm_tc358743_default", "Digital/Lanix/LNX8888/51B0F2759E3B", "Digital/Dell/DEL4091/751746AC0BB2"},
    {"edid.pikvm_serial", "Digital/Lanix/LNX7771/27A215A2CF4F", "Digital/Dell/DEL4091/751746AC0BB2"},
    {"edid.ms2130_capture", "Digital/Others/HJW2130/23E42B1F225C", "Digital/Dell/DELD0D2/5A2CDC31568E"},
    {"edid.macrosilicon_name", "Digital/MacroSilicon/MAC0101/E858C5303268", "Digital/Dell/DELD0D2/5A2CDC31568E"},
    {"edid.magewell_usb_capture", "Digital/MGW/MGW0206/0352FBA00779", "Digital/Dell/DELA03D/80D9239D9EE9"},
    {"edid.elgato_capture", "Digital/Elgato/EGA0061/70B59B411FFC", "Digital/Dell/DELA03D/80D9239D9EE9"},
    {"edid.adder_kvm_via_ip", "Digital/Others/ADR0257/B0F48A215804", "Digital/Toshiba/TSB1302/6B4B1678CC98"},
    // The structure family itself: a renamed TC358743 and a monitor whose serial string ends in "KVM".
    {"display.capture_device", "Digital/Toshiba/TSB8888/8ADBB7B57699", "Digital/HP/HWP284B/161A0B2736D7"},
    {"display.capture_device", "Digital/Toshiba/TSB8888/2D3288012DDC", "Digital/Toshiba/TSB3700/517EFD247C37"},
};

const RealEdid& find_edid(const std::vector<RealEdid>& set, const std::string& source) {
  for (const auto& e : set)
    if (e.source == source) return e;
  throw std::runtime_error("no vendored EDID " + source);
}

TEST(RealEdids, CatalogEntriesFromTheCorpus_MatchTheirDeviceAndNotAMonitor) {
  Engine engine;
  const auto capture = load_real_edids("capture_devices.tsv");
  const auto monitors = load_real_edids("monitors.tsv");
  for (const auto& c : kCatalogCases) {
    const auto pos = engine.evaluate(clean_laptop_with(find_edid(capture, c.positive)), {});
    EXPECT_TRUE(std::any_of(pos.indicators().begin(), pos.indicators().end(), [&](const auto& i) { return i.id() == c.id; }))
        << c.id << " does not match " << c.positive << " (" << indicators_of(pos) << ")";
    const auto neg = engine.evaluate(clean_laptop_with(find_edid(monitors, c.negative)), {});
    EXPECT_FALSE(std::any_of(neg.indicators().begin(), neg.indicators().end(), [&](const auto& i) { return i.id() == c.id; }))
        << c.id << " matches the monitor " << c.negative;
  }
}

TEST(RealEdids, RenamedTc358743_IsStillACaptureDeviceByItsChipDefaults) {
  // "no-audio-HD": a TC358743 with its name changed; the bridge's default
  // product and serial give it away, in plain words.
  const auto capture = load_real_edids("capture_devices.tsv");
  const auto v = Engine().evaluate(clean_laptop_with(find_edid(capture, "Digital/Toshiba/TSB8888/8ADBB7B57699")), {});
  EXPECT_GE(level_rank(v.level()), 1) << v.level();
  bool found = false;
  for (const auto& i : v.indicators()) {
    if (i.id() != "display.capture_device") continue;
    found = true;
    ASSERT_GT(i.evidence_size(), 0);
    EXPECT_NE(i.evidence(0).value().find("HDMI bridge chip's default identity"), std::string::npos) << i.evidence(0).value();
  }
  EXPECT_TRUE(found);
}

TEST(RealEdids, SamsungHdmi21TvAndBenqMonitor_LeaveACleanLaptopClean) {
  // The case: an HDMI 2.1 Samsung TV read whole (4 blocks, byte 126
  // says 1, its EEODB 3) used to be "invalid", and BenQ's BNQ is missing from
  // Debian's hwdata — together they made an ordinary desk `review`.
  const auto monitors = load_real_edids("monitors.tsv");
  auto snap = clean_laptop_with(find_edid(monitors, "Digital/Samsung/SAM71EC/F83E7D380C84"));
  const auto& benq = find_edid(monitors, "Digital/BenQ/BNQ78EC/E9DE0260C931");
  auto* d = snap.add_displays();
  d->set_connector("card0-DP-1");
  d->set_connector_type("DP");
  d->set_status("connected");
  d->set_enabled(true);
  d->set_edid_raw(std::string(benq.bytes.begin(), benq.bytes.end()));
  *d->mutable_edid() = telltale::decode::decode_edid(benq.bytes);

  const auto v = Engine().evaluate(snap, {});
  EXPECT_EQ(v.level(), "clean") << indicators_of(v);
  EXPECT_EQ(v.indicators_size(), 0) << indicators_of(v);
}

TEST(RealEdids, AsusScreenPadPlus_BridgeDefaultsBehindARealPanel_StayBelowReview) {
  // The ZenBook Duo's second screen is a TC358743-style bridge with the chip's
  // default ids, but it declares its 6x13 cm panel; capture bridges declare no
  // size. The clue is kept as evidence and stays below review on its own.
  const auto monitors = load_real_edids("monitors.tsv");
  const auto v = Engine().evaluate(clean_laptop_with(find_edid(monitors, "Digital/Toshiba/TSB8888/8810DFFFFCDB")), {});
  EXPECT_EQ(v.level(), "clean") << indicators_of(v);
  bool found = false;
  for (const auto& i : v.indicators()) {
    if (i.id() != "display.capture_device") continue;
    found = true;
    EXPECT_NE(i.evidence(0).value().find("declares a 6x13 cm panel"), std::string::npos) << i.evidence(0).value();
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace telltale::detect
