// Structure over names (issue 17): a KVM that copies a real Logitech keyboard's
// identity and a real monitor's EDID, built from the KVM projects' real report
// descriptors and a real EDID through the real decoders, on the clean laptop
// fixture; and the real devices that must stay clean beside it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <set>
#include <string>

#include "detect/detect_test_support.h"
#include "platform/decode/edid.h"
#include "platform/decode/hid_report.h"
#include "platform/edid_real_corpus.h"
#include "server/detect/engine.h"
#include <google/protobuf/util/json_util.h>
#include "support/fixture_bytes.h"
#include "support/hid_real_corpus.h"

namespace telltale::detect {
namespace {

using telltale::testing::load_real_hid;
using telltale::testing::real_hid_named;
using telltale::v1::Snapshot;
using telltale::v1::UsbDevice;

bool has(const telltale::v1::Verdict& v, const std::string& id) {
  return std::any_of(v.indicators().begin(), v.indicators().end(), [&](const auto& i) { return i.id() == id; });
}

std::string ids_of(const telltale::v1::Verdict& v) {
  std::string s;
  for (const auto& i : v.indicators()) s += (s.empty() ? "" : ", ") + i.id() + "/" + i.category();
  return s;
}

const std::vector<telltale::testing::RealHid>& corpus() {
  static const auto c = load_real_hid();
  return c;
}

// The indicators this family adds; none may fire on a real benign device.
const std::set<std::string> kNewIds = {"usb.hid_storage_network", "usb.gadget_hid_layout", "usb.gadget_defaults",
                                       "usb.kvm_name", "network.kvm_maker_neighbour", "network.kvm_board_neighbour"};

// The clean laptop fixture with its external monitor replaced by a real Dell
// monitor's EDID (linuxhw/EDID, tests/fixtures/edid-real) on HDMI.
Snapshot clean_laptop_with_real_monitor() {
  auto snap = testing::load_scenario_snapshot("fixture-clean-laptop");
  auto* displays = snap.mutable_displays();
  displays->erase(std::remove_if(displays->begin(), displays->end(), [](const auto& d) { return !d.internal(); }),
                  displays->end());
  const auto monitors = telltale::testing::load_real_edids("monitors.tsv");
  const auto dell = std::find_if(monitors.begin(), monitors.end(),
                                 [](const auto& e) { return e.source == "Digital/Dell/DEL4091/751746AC0BB2"; });
  if (dell == monitors.end()) throw std::runtime_error("monitors.tsv lost the Dell DEL4091");
  auto* d = snap.add_displays();
  d->set_connector("card0-HDMI-A-1");
  d->set_connector_type("HDMI-A");
  d->set_status("connected");
  d->set_enabled(true);
  d->set_edid_raw(std::string(dell->bytes.begin(), dell->bytes.end()));
  *d->mutable_edid() = telltale::decode::decode_edid(dell->bytes);
  return snap;
}

// One external USB device at 3-1 with Logitech K120's identity as lsusb shows
// it: 046d:c31c "Logitech" "USB Keyboard", release 64.00, 90 mA, remote wakeup.
UsbDevice* add_logitech_k120_identity(Snapshot& s) {
  auto* d = s.add_usb_devices();
  d->set_port_path("3-1");
  d->set_busnum(3);
  d->set_devnum(7);
  d->set_vendor_id(0x046d);
  d->set_product_id(0xc31c);
  d->set_manufacturer("Logitech");
  d->set_product("USB Keyboard");
  d->set_bcd_device(0x6400);
  d->set_usb_version("1.10");
  d->set_speed_mbps("1.5");
  d->set_max_power_ma(90);
  d->set_attributes(0xa0);
  d->set_removable("removable");
  return d;
}

telltale::v1::UsbInterface* add_interface(UsbDevice* d, uint32_t cls, uint32_t sub, uint32_t proto, const char* driver) {
  auto* itf = d->add_interfaces();
  itf->set_name(d->port_path() + ":1." + std::to_string(d->interfaces_size() - 1));
  itf->set_number(static_cast<uint32_t>(d->interfaces_size() - 1));
  itf->set_interface_class(cls);
  itf->set_interface_subclass(sub);
  itf->set_interface_protocol(proto);
  itf->set_driver(driver);
  return itf;
}

// A HID interface whose report descriptor is `bytes`, summarised by the real decoder.
void add_hid(UsbDevice* d, const std::vector<uint8_t>& bytes, uint32_t sub, uint32_t proto) {
  auto* itf = add_interface(d, 3, sub, proto, "usbhid");
  auto summary = telltale::decode::summarize_hid_report(bytes);
  char id[32];
  std::snprintf(id, sizeof id, "0003:%04X:%04X.%04X", d->vendor_id(), d->product_id(), d->interfaces_size() + 8);
  summary.set_hid_id(id);
  *itf->add_hid() = summary;
}

// The Logitech keyboard's own interface descriptor: PiKVM's keyboard layout is
// that descriptor, dumped from a Logitech keyboard (kvmd keyboard.py says so).
const std::vector<uint8_t>& logitech_keyboard_descriptor() {
  return real_hid_named(corpus(), "PiKVM keyboard report_id=None").bytes;
}

// A K120's second interface: consumer and system control keys.
const std::vector<uint8_t> kLogitechMediaKeys{
    0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x01, 0x19, 0x00, 0x2A, 0x3C, 0x02, 0x15, 0x00, 0x26, 0x3C, 0x02,
    0x95, 0x01, 0x75, 0x10, 0x81, 0x00, 0xC0, 0x05, 0x01, 0x09, 0x80, 0xA1, 0x01, 0x85, 0x02, 0x19, 0x81, 0x29,
    0x83, 0x25, 0x01, 0x75, 0x01, 0x95, 0x03, 0x81, 0x02, 0x95, 0x05, 0x81, 0x01, 0xC0};

TEST(UsbStructure, RealLogitechKeyboardAndRealMonitor_StayClean) {
  Snapshot s = clean_laptop_with_real_monitor();
  auto* k120 = add_logitech_k120_identity(s);
  add_hid(k120, logitech_keyboard_descriptor(), 1, 1);
  add_hid(k120, kLogitechMediaKeys, 0, 0);
  const auto v = Engine().evaluate(s, {});
  EXPECT_EQ(v.level(), "clean") << render_text(v);
  for (const auto& id : kNewIds) EXPECT_FALSE(has(v, id)) << id;
}

// PiKVM's gadget (keyboard, absolute mouse, mass storage, NCM network) behind
// the K120's ids, strings, release, power draw and attributes, with the
// monitor's whole EDID copied: nothing of it is named PiKVM any more.
Snapshot copied_logitech_kvm(bool gadget_interface_strings) {
  Snapshot s = clean_laptop_with_real_monitor();
  auto* kvm = add_logitech_k120_identity(s);
  kvm->set_usb_version("2.00");
  kvm->set_speed_mbps("480");
  add_hid(kvm, logitech_keyboard_descriptor(), 1, 1);
  add_hid(kvm, real_hid_named(corpus(), "PiKVM mouse absolute=True horizontal_wheel=False report_id=None").bytes, 0, 0);
  auto* storage = add_interface(kvm, 8, 6, 0x50, "usb-storage");
  auto* lun = storage->add_storage();
  lun->set_vendor("Logitech");  // kvmd writes the manufacturer as the SCSI vendor
  lun->set_model("Flash Drive");
  add_interface(kvm, 2, 0x0d, 0, "cdc_ncm");
  add_interface(kvm, 0x0a, 0, 1, "cdc_ncm");
  if (gadget_interface_strings)
    for (auto& itf : *kvm->mutable_interfaces())
      if (itf.interface_class() == 3) itf.set_interface_string("HID Interface");
  return s;
}

TEST(UsbStructure, KvmWithCopiedLogitechIdentityAndCopiedMonitor_IsSuspiciousOnStructureAlone) {
  for (bool strings : {true, false}) {
    SCOPED_TRACE(strings ? "stock kernel (f_hid's \"HID Interface\" string)" : "kernel patched to drop the interface string");
    const auto v = Engine().evaluate(copied_logitech_kvm(strings), {});
    std::printf("copied Logitech identity, %s: %s (score %.1f): %s\n",
                strings ? "stock gadget kernel" : "patched interface strings", v.level().c_str(), v.score(),
                ids_of(v).c_str());
    EXPECT_GE(level_rank(v.level()), level_rank("suspicious")) << render_text(v);
    // Nothing catalogued matches: the verdict rests on structure only.
    for (const auto& i : v.indicators()) EXPECT_EQ(i.category(), "structure") << i.id();
    EXPECT_TRUE(has(v, "usb.keyboard_with_absolute_pointer"));
    EXPECT_TRUE(has(v, "usb.hid_storage_network"));
    EXPECT_TRUE(has(v, "usb.gadget_hid_layout"));
  }
}

// The two situations above also live in the scenario corpus
// (tests/scenarios/kvm-copied-logitech-identity, logitech-k120-keyboard), so
// every detector change is judged on them. Their snapshot.json is this file's
// output: run with TELLTALE_WRITE_SCENARIOS=1 and commit it. Without the
// variable the test checks the committed files still match what is built here.
TEST(UsbStructure, ScenarioCorpusHoldsTheCopiedIdentityAndTheRealKeyboard) {
  Snapshot k120 = clean_laptop_with_real_monitor();
  auto* d = add_logitech_k120_identity(k120);
  add_hid(d, logitech_keyboard_descriptor(), 1, 1);
  add_hid(d, kLogitechMediaKeys, 0, 0);
  const std::pair<const char*, Snapshot> scenarios[] = {{"kvm-copied-logitech-identity", copied_logitech_kvm(false)},
                                                        {"logitech-k120-keyboard", k120}};
  for (const auto& [name, snap] : scenarios) {
    std::string json;
    google::protobuf::util::JsonPrintOptions opts;
    opts.add_whitespace = true;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(snap, &json, opts).ok());
    const auto path = testing::scenarios_dir() / name / "snapshot.json";
    if (std::getenv("TELLTALE_WRITE_SCENARIOS")) {
      std::filesystem::create_directories(path.parent_path());
      std::ofstream(path) << json;
    }
    EXPECT_EQ(testing::slurp(path), json) << name << ": regenerate with TELLTALE_WRITE_SCENARIOS=1";
  }
}

TEST(UsbStructure, KvmMouseRearrangedAroundAUsagePage_StaysSuspicious) {
  // Issue 17: Usage Page and another usage between Usage(X)/Usage(Y) and the
  // Input item. Linux keeps X/Y on Generic Desktop, so the decoder must too.
  const std::vector<uint8_t> rearranged{
      0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x01, 0xA1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0x00,
      0x25, 0x01, 0x75, 0x01, 0x95, 0x03, 0x81, 0x02, 0x95, 0x05, 0x81, 0x03, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31,
      0x05, 0x0C, 0x0A, 0x38, 0x02, 0x15, 0x00, 0x26, 0xFF, 0x7F, 0x75, 0x10, 0x95, 0x03, 0x81, 0x02, 0xC0, 0xC0};
  Snapshot s = clean_laptop_with_real_monitor();
  auto* kvm = add_logitech_k120_identity(s);
  add_hid(kvm, logitech_keyboard_descriptor(), 1, 1);
  add_hid(kvm, rearranged, 0, 0);
  for (auto& itf : *kvm->mutable_interfaces()) itf.set_interface_string("HID Interface");
  const auto v = Engine().evaluate(s, {});
  EXPECT_TRUE(has(v, "usb.keyboard_with_absolute_pointer")) << render_text(v);
  EXPECT_EQ(v.level(), "suspicious") << render_text(v);
}

TEST(UsbStructure, KvmPointerDeclaredAsTouchScreenFinger_CountsAsAbsolutePointer) {
  Snapshot s = clean_laptop_with_real_monitor();
  auto* kvm = add_logitech_k120_identity(s);
  add_hid(kvm, logitech_keyboard_descriptor(), 1, 1);
  // A touch screen with one finger contact, as a KVM could declare its pointer.
  add_hid(kvm,
          {0x05, 0x0D, 0x09, 0x04, 0xA1, 0x01, 0x09, 0x22, 0xA1, 0x02, 0x09, 0x42, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01,
           0x95, 0x01, 0x81, 0x02, 0x95, 0x07, 0x81, 0x03, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x26, 0xFF, 0x7F, 0x75,
           0x10, 0x95, 0x02, 0x81, 0x02, 0xC0, 0xC0},
          0, 0);
  const auto v = Engine().evaluate(s, {});
  ASSERT_TRUE(has(v, "usb.keyboard_with_absolute_pointer")) << render_text(v);
  bool worded = false;
  for (const auto& i : v.indicators())
    for (const auto& f : i.evidence()) worded = worded || f.value().find("declared as a finger on a touch screen") != std::string::npos;
  EXPECT_TRUE(worded) << render_text(v);
}

TEST(UsbStructure, RealTouchScreensBesideAKeyboardInOneDevice_CountAsAbsolutePointers) {
  // Every real touch screen of the corpus, put behind one device with a
  // keyboard: the shape the rule is for. (Alone, each stays clean: below.)
  size_t fired = 0, touch = 0;
  for (const auto& h : corpus()) {
    if (h.kind != "device") continue;
    const auto summary = telltale::decode::summarize_hid_report(h.bytes);
    if (!summary.touch_screen_contact() || summary.pen_pressure()) continue;
    ++touch;
    Snapshot s = clean_laptop_with_real_monitor();
    auto* d = add_logitech_k120_identity(s);
    add_hid(d, logitech_keyboard_descriptor(), 1, 1);
    add_hid(d, h.bytes, 0, 0);
    fired += has(Engine().evaluate(s, {}), "usb.keyboard_with_absolute_pointer");
  }
  std::printf("real touch screens without a pen: %zu; beside a keyboard in one device: %zu fire\n", touch, fired);
  EXPECT_GT(touch, 50u);
  EXPECT_EQ(fired, touch);
}

TEST(UsbStructure, PenTabletWithExpressKeys_IsNotAKvmPointer) {
  // A display tablet whose express keys are a keyboard and whose pen (with
  // pressure) and finger touch share the device: a tablet, not a KVM.
  Snapshot s = clean_laptop_with_real_monitor();
  auto* d = s.add_usb_devices();
  d->set_port_path("3-2");
  d->set_vendor_id(0x28bd);
  d->set_product_id(0x093a);
  d->set_manufacturer("UGTABLET");
  d->set_product("Artist 24");
  d->set_max_power_ma(100);
  add_hid(d, real_hid_named(corpus(), "XPPen Artist 24 28bd 093a").bytes, 0, 0);
  add_hid(d, telltale::testing::fixture_bytes("hid/boot-keyboard.bin"), 1, 1);
  add_hid(d,
          {0x05, 0x0D, 0x09, 0x04, 0xA1, 0x01, 0x09, 0x22, 0xA1, 0x02, 0x09, 0x42, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01,
           0x95, 0x01, 0x81, 0x02, 0x95, 0x07, 0x81, 0x03, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x26, 0xFF, 0x7F, 0x75,
           0x10, 0x95, 0x02, 0x81, 0x02, 0xC0, 0xC0},
          0, 0);
  const auto v = Engine().evaluate(s, {});
  EXPECT_FALSE(has(v, "usb.keyboard_with_absolute_pointer")) << render_text(v);
  EXPECT_EQ(v.level(), "clean") << render_text(v);
}

TEST(UsbStructure, AnalogGamingKeyboardWithGamepad_StaysClean) {
  // Wooting-style: a keyboard and a gamepad (real Asus gamepad descriptor) in one device.
  Snapshot s = clean_laptop_with_real_monitor();
  auto* d = s.add_usb_devices();
  d->set_port_path("3-3");
  d->set_vendor_id(0x31e3);
  d->set_product_id(0x1100);
  d->set_manufacturer("Wooting");
  d->set_product("Wooting Two HE");
  d->set_bcd_device(0x0204);
  d->set_max_power_ma(500);
  add_hid(d, logitech_keyboard_descriptor(), 1, 1);
  add_hid(d, real_hid_named(corpus(), "AsusGamepad.report_descriptor").bytes, 0, 0);
  const auto v = Engine().evaluate(s, {});
  EXPECT_FALSE(has(v, "usb.keyboard_with_absolute_pointer")) << render_text(v);
  EXPECT_EQ(v.level(), "clean") << render_text(v);
}

TEST(UsbStructure, EveryRealBenignDescriptorAsItsOwnDevice_RaisesNoNewIndicator) {
  size_t devices = 0, flagged = 0, not_clean = 0;
  for (const auto& h : corpus()) {
    if (h.kind != "device") continue;
    ++devices;
    Snapshot s = clean_laptop_with_real_monitor();
    auto* d = s.add_usb_devices();
    d->set_port_path("3-4");
    unsigned vid = 0, pid = 0;
    std::sscanf(h.ids.c_str() + h.ids.find(':') + 1, "%x:%x", &vid, &pid);
    d->set_vendor_id(vid);
    d->set_product_id(pid);
    d->set_max_power_ma(100);
    add_hid(d, h.bytes, 0, 0);
    const auto v = Engine().evaluate(s, {});
    bool any = false;
    for (const auto& id : kNewIds) any = any || has(v, id);
    flagged += any;
    not_clean += v.level() != "clean";
    EXPECT_FALSE(any) << h.name << ": " << ids_of(v);
  }
  std::printf("real benign HID devices: %zu; raising a new indicator: %zu; not clean: %zu\n", devices, flagged, not_clean);
  EXPECT_EQ(flagged, 0u);
}

TEST(UsbStructure, GadgetLayouts_MatchTheirKvmsAndNoRealDevice) {
  std::set<std::string> real;
  for (const auto& h : corpus())
    if (h.kind != "kvm") real.insert(telltale::decode::summarize_hid_report(h.bytes).descriptor_sha256());
  const auto& layouts = Catalog::builtin().hid_layouts();
  ASSERT_GE(layouts.size(), 7u);
  for (const auto& l : layouts) EXPECT_FALSE(real.count(l.sha256)) << l.id << " is also a real device's descriptor";
  size_t kvm_matched = 0;
  for (const auto& h : corpus())
    if (h.kind == "kvm" && Catalog::builtin().find_hid_layout(telltale::decode::summarize_hid_report(h.bytes).descriptor_sha256()))
      ++kvm_matched;
  EXPECT_EQ(kvm_matched, layouts.size());
}

TEST(UsbStructure, KeyboardWithStorageButNoNetwork_IsNotTheThreeWayCombination) {
  Snapshot s = clean_laptop_with_real_monitor();
  auto* d = add_logitech_k120_identity(s);
  add_hid(d, logitech_keyboard_descriptor(), 1, 1);
  add_interface(d, 8, 6, 0x50, "usb-storage");
  const auto v = Engine().evaluate(s, {});
  EXPECT_FALSE(has(v, "usb.hid_storage_network"));
  EXPECT_TRUE(has(v, "usb.input_with_storage_or_network"));
}

TEST(UsbStructure, RndisGadgetWithHidAndStorage_IsTheThreeWayCombination) {
  Snapshot s = clean_laptop_with_real_monitor();
  auto* d = add_logitech_k120_identity(s);
  add_hid(d, logitech_keyboard_descriptor(), 1, 1);
  add_interface(d, 8, 6, 0x50, "usb-storage");
  add_interface(d, 0xe0, 1, 3, "rndis_host");
  const auto v = Engine().evaluate(s, {});
  ASSERT_TRUE(has(v, "usb.hid_storage_network")) << render_text(v);
  EXPECT_NE(render_text(v).find("a USB drive (mass storage) and a RNDIS network adapter"), std::string::npos) << render_text(v);
}

TEST(UsbStructure, TwoGadgetDefaults_AreWeakEvidenceOneIsNone) {
  Snapshot s = clean_laptop_with_real_monitor();
  auto* d = add_logitech_k120_identity(s);
  add_hid(d, logitech_keyboard_descriptor(), 1, 1);
  d->set_bcd_device(0x0510);  // Linux 5.10's composite default
  auto one = Engine().evaluate(s, {});
  EXPECT_FALSE(has(one, "usb.gadget_defaults")) << render_text(one);
  d->set_max_power_ma(250);
  d->set_serial("CAFEBABE");
  auto two = Engine().evaluate(s, {});
  ASSERT_TRUE(has(two, "usb.gadget_defaults")) << render_text(two);
  EXPECT_NE(render_text(two).find("release 5.10"), std::string::npos) << render_text(two);
  EXPECT_EQ(two.level(), "clean") << "gadget defaults alone only add weight\n" << render_text(two);
}

TEST(UsbStructure, KvmNamesWrittenAnyWay_AreOneFamily) {
  for (const char* product : {"PI-KVM  Composite", "jetkvm usb emulation device", "NanoKVM\t", "GL-KVM? no: GLKVM"}) {
    Snapshot s = clean_laptop_with_real_monitor();
    auto* d = add_logitech_k120_identity(s);
    d->set_manufacturer("Generic");
    d->set_product(product);
    add_hid(d, logitech_keyboard_descriptor(), 1, 1);
    EXPECT_TRUE(has(Engine().evaluate(s, {}), "usb.kvm_name")) << product;
  }
  for (const char* product : {"ATEN CS1784A KVM Switch", "USB Keyboard", "Pilot Pen Tablet"}) {
    Snapshot s = clean_laptop_with_real_monitor();
    auto* d = add_logitech_k120_identity(s);
    d->set_product(product);
    add_hid(d, logitech_keyboard_descriptor(), 1, 1);
    EXPECT_FALSE(has(Engine().evaluate(s, {}), "usb.kvm_name")) << product;
  }
}

TEST(UsbStructure, CatalogStringsMatchWhateverTheCaseAndPadding) {
  Snapshot s = clean_laptop_with_real_monitor();
  auto* d = add_logitech_k120_identity(s);
  d->set_vendor_id(0x1d6b);
  d->set_product_id(0x0104);
  d->set_manufacturer("  JETKVM ");
  d->set_product(std::string("JetKVM  USB Emulation Device\0\0", 31));
  add_hid(d, logitech_keyboard_descriptor(), 1, 1);
  const auto v = Engine().evaluate(s, {});
  EXPECT_TRUE(has(v, "usb.jetkvm")) << render_text(v);
  EXPECT_TRUE(has(v, "usb.jetkvm_emulation_product")) << render_text(v);
}

TEST(UsbStructure, PiKvmRegisteredIds_AreCatalogued) {
  for (uint32_t pid : {0xeda1u, 0xeda2u, 0xeda3u}) {
    Snapshot s = clean_laptop_with_real_monitor();
    auto* d = add_logitech_k120_identity(s);
    d->set_vendor_id(0x1209);
    d->set_product_id(pid);
    add_hid(d, logitech_keyboard_descriptor(), 1, 1);
    const auto v = Engine().evaluate(s, {});
    EXPECT_GE(level_rank(v.level()), level_rank("suspicious")) << std::hex << pid << "\n" << render_text(v);
  }
}

TEST(UsbStructure, EveryStructureIndicatorOfThisFamily_HasACatalogEntryWithASource) {
  for (const auto& id : kNewIds) {
    const auto* e = Catalog::builtin().find_indicator(id);
    ASSERT_NE(e, nullptr) << id;
    EXPECT_FALSE(e->source.empty());
    EXPECT_FALSE(e->title.empty());
  }
}

}  // namespace
}  // namespace telltale::detect
