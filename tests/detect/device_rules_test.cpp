// Device rules on hand-built snapshots: each test is one situation a laptop
// can be in, and which indicators it must (not) raise.
#include <gtest/gtest.h>

#include <algorithm>

#include "detect/detect_test_support.h"
#include "server/detect/engine.h"

namespace telltale::detect {
namespace {

using telltale::v1::Snapshot;
using telltale::v1::UsbDevice;

bool has(const telltale::v1::Verdict& v, const std::string& id) {
  return std::any_of(v.indicators().begin(), v.indicators().end(), [&](const auto& i) { return i.id() == id; });
}

const telltale::v1::Indicator& get(const telltale::v1::Verdict& v, const std::string& id) {
  for (const auto& i : v.indicators())
    if (i.id() == id) return i;
  throw std::runtime_error("no indicator " + id);
}

UsbDevice* add_device(Snapshot& s, uint32_t vid, uint32_t pid, const char* mfr, const char* product) {
  auto* d = s.add_usb_devices();
  d->set_port_path("1-2");
  d->set_vendor_id(vid);
  d->set_product_id(pid);
  if (mfr) d->set_manufacturer(mfr);
  if (product) d->set_product(product);
  return d;
}

telltale::v1::HidSummary* add_hid(UsbDevice* d, uint32_t cls_protocol, const char* itf_string = nullptr) {
  auto* itf = d->add_interfaces();
  itf->set_name("1-2:1." + std::to_string(d->interfaces_size() - 1));
  itf->set_interface_class(3);
  itf->set_interface_protocol(cls_protocol);
  if (itf_string) itf->set_interface_string(itf_string);
  auto* h = itf->add_hid();
  h->set_hid_id("0003:X.000" + std::to_string(d->interfaces_size()));
  return h;
}

void make_abs(telltale::v1::HidSummary* h, int64_t max) {
  h->set_absolute_pointer(true);
  h->set_abs_x_min(0);
  h->set_abs_x_max(max);
  h->set_abs_y_min(0);
  h->set_abs_y_max(max);
}

Snapshot base() {
  Snapshot s;
  s.set_collected_at_unix_ms(1763478000000);
  return s;
}

TEST(DeviceRules, KeyboardAndAbsolutePointerInOneDevice_FiresWithSpoofedLogitechIds) {
  Snapshot s = base();
  auto* d = add_device(s, 0x046d, 0xc52b, "Logitech", "USB Receiver");
  add_hid(d, 1)->set_keyboard(true);
  make_abs(add_hid(d, 0), 32767);
  auto v = Engine().evaluate(s, {});
  ASSERT_TRUE(has(v, "usb.keyboard_with_absolute_pointer"));
  const auto& ind = get(v, "usb.keyboard_with_absolute_pointer");
  EXPECT_EQ(ind.category(), "structure");
  EXPECT_DOUBLE_EQ(ind.confidence(), 0.95);  // the 0..32767 range of KVM gadgets
  EXPECT_EQ(ind.evidence(0).key(), "usb 1-2");
  EXPECT_EQ(ind.evidence(0).value(), "046d:c52b Logitech USB Receiver");
  EXPECT_FALSE(has(v, "usb.keyboard_vendor_mismatch"));
}

TEST(DeviceRules, TouchscreenAndPenTabletDigitizers_DoNotLookLikeAKvm) {
  Snapshot s = base();
  auto* pen = add_device(s, 0x256c, 0x006d, "HUION", "Huion Tablet");
  auto* h = add_hid(pen, 0);
  make_abs(h, 32767);
  h->set_digitizer(true);
  add_hid(pen, 1)->set_keyboard(true);  // express keys
  auto* touch = add_device(s, 0x04f3, 0x2b7c, "ELAN", "Touchscreen");
  auto* t = add_hid(touch, 0);
  make_abs(t, 3200);
  t->set_digitizer(true);
  auto v = Engine().evaluate(s, {});
  EXPECT_FALSE(has(v, "usb.keyboard_with_absolute_pointer"));
  EXPECT_EQ(v.level(), "clean");
}

TEST(DeviceRules, LinuxGadgetTraces_EachRaiseTheirIndicator) {
  Snapshot s = base();
  auto* d = add_device(s, 0x1d6b, 0x0104, "Acme", "Keyboard");
  add_hid(d, 1, "HID Interface")->set_keyboard(true);
  auto* itf = d->add_interfaces();
  itf->set_name("1-2:1.1");
  itf->set_interface_class(8);
  auto* lun = itf->add_storage();
  lun->set_vendor("Linux");
  lun->set_model("File-Stor Gadget");
  auto v = Engine().evaluate(s, {});
  EXPECT_TRUE(has(v, "usb.gadget_linux_foundation_vid"));
  EXPECT_TRUE(has(v, "usb.gadget_hid_interface"));
  EXPECT_TRUE(has(v, "usb.gadget_file_storage"));
  EXPECT_TRUE(has(v, "usb.input_with_storage_or_network"));
  EXPECT_TRUE(has(v, "usb.gadget_multifunction_composite"));  // catalog: 1d6b:0104
}

TEST(DeviceRules, RootHubsOfTheLinuxFoundation_AreNormal) {
  Snapshot s = base();
  auto* hub = add_device(s, 0x1d6b, 0x0002, "Linux 6.1.0 xhci-hcd", "xHCI Host Controller");
  hub->set_root_hub(true);
  hub->set_port_path("usb1");
  auto* hub3 = add_device(s, 0x1d6b, 0x0003, nullptr, nullptr);  // even when not flagged as root hub
  hub3->set_port_path("usb2");
  EXPECT_EQ(Engine().evaluate(s, {}).indicators_size(), 0);
}

TEST(DeviceRules, KeyboardNamingABrandWithAnotherVendorId_IsAClonedIdentity) {
  Snapshot s = base();
  add_hid(add_device(s, 0x1234, 0x5678, "Logitech", "K120"), 1)->set_keyboard(true);
  auto v = Engine().evaluate(s, {});
  ASSERT_TRUE(has(v, "usb.keyboard_vendor_mismatch"));
  EXPECT_NE(get(v, "usb.keyboard_vendor_mismatch").evidence(0).value().find("vendor 1234 is not Logitech's"),
            std::string::npos);
}

TEST(DeviceRules, ExternalDisplayWithLidClosed_WeighsLittleAlone) {
  Snapshot s = base();
  auto* panel = s.add_displays();
  panel->set_connector("card0-eDP-1");
  panel->set_internal(true);
  panel->set_status("connected");
  panel->set_enabled(false);
  auto* ext = s.add_displays();
  ext->set_connector("card0-HDMI-A-1");
  ext->set_status("connected");
  ext->set_enabled(true);
  ext->mutable_edid()->set_valid(true);
  ext->mutable_edid()->set_pnp_id("SPD");
  ext->mutable_edid()->set_product_code(0x3301);
  ext->mutable_edid()->set_monitor_name("NanoKVM");
  s.mutable_lid()->set_present(true);
  s.mutable_lid()->set_closed(true);
  auto v = Engine().evaluate(s, {});
  EXPECT_TRUE(has(v, "display.external_only"));
  EXPECT_TRUE(has(v, "display.edid_unregistered_pnp"));
  EXPECT_TRUE(has(v, "edid.nanokvm"));
  EXPECT_LT(get(v, "display.external_only").score(), 10);
}

TEST(DeviceRules, RemoteSessionRtt_FarFiresAtTheThresholdNearDoesNot) {
  auto with_rtt = [](uint32_t ms) {
    Snapshot s = base();
    auto* t = s.add_remote_access();
    t->set_tool_id("remote.anydesk");
    t->set_name("AnyDesk");
    t->set_running(true);
    t->set_connected(true);
    auto* p = t->add_peers();
    p->set_remote_address("203.0.113.4:443");
    p->set_rtt_us(ms * 1000);
    p->set_rtt_measured(true);
    return Engine().evaluate(s, {});
  };
  EXPECT_FALSE(has(with_rtt(99), "remote.session_far"));
  EXPECT_TRUE(has(with_rtt(100), "remote.session_far"));
  auto far = with_rtt(200);
  EXPECT_DOUBLE_EQ(get(far, "remote.session_far").confidence(), 1.0);
  EXPECT_EQ(get(far, "remote.session_far").evidence(0).value(), "rtt 200 ms (threshold 100 ms)");
  EXPECT_EQ(with_rtt(20).level(), "review");
}

TEST(DeviceRules, UnmeasuredRtt_IsNotTakenAsFar) {
  Snapshot s = base();
  auto* t = s.add_remote_access();
  t->set_tool_id("remote.rustdesk");
  t->set_connected(true);
  auto* p = t->add_peers();
  p->set_rtt_us(500000);
  p->set_rtt_measured(false);
  EXPECT_FALSE(has(Engine().evaluate(s, {}), "remote.session_far"));
}

TEST(DeviceRules, SeveralRemoteToolsRunning_WeighsMoreThanInstalledOnes) {
  Snapshot running = base(), installed = base();
  for (auto [id, name] : {std::pair{"remote.anydesk", "AnyDesk"}, std::pair{"remote.teamviewer", "TeamViewer"}}) {
    auto* t = running.add_remote_access();
    t->set_tool_id(id);
    t->set_name(name);
    t->set_running(true);
    auto* u = installed.add_remote_access();
    u->set_tool_id(id);
    u->set_name(name);
    u->set_installed(true);
  }
  auto a = Engine().evaluate(running, {}), b = Engine().evaluate(installed, {});
  EXPECT_GT(get(a, "remote.several_tools").score(), get(b, "remote.several_tools").score());
  EXPECT_EQ(b.level(), "clean");
}

TEST(DeviceRules, MachineRegularKeystrokesAndVirtualInput_AreFlagged) {
  Snapshot s = base();
  auto* dev = s.add_input_devices();
  dev->set_name("ydotoold virtual device");
  dev->set_virtual_device(true);
  dev->set_keyboard(true);
  dev->set_sysfs("/devices/virtual/input/input30");
  auto* a = s.mutable_input_activity()->add_devices();
  a->set_device("ydotoold virtual device");
  a->set_virtual_device(true);
  a->set_key_presses(400);
  a->set_regular_interval_share(0.9);
  auto v = Engine().evaluate(s, {});
  EXPECT_TRUE(has(v, "input.virtual_device"));
  EXPECT_TRUE(has(v, "input.injected_keystrokes"));
  EXPECT_TRUE(has(v, "input.machine_regular_keystrokes"));
  // Few presses say nothing about regularity.
  a->set_key_presses(10);
  EXPECT_FALSE(has(Engine().evaluate(s, {}), "input.machine_regular_keystrokes"));
}

TEST(DeviceRules, VirtualMachineGuest_FiresOnlyWhereLaptopsAreExpected) {
  Snapshot s = base();
  s.mutable_hardware()->mutable_vm()->set_is_virtual(true);
  s.mutable_hardware()->mutable_vm()->set_hypervisor("kvm");
  s.mutable_hardware()->mutable_vm()->set_evidence("sys_vendor=QEMU");
  EXPECT_TRUE(has(Engine().evaluate(s, {}), "hardware.virtual_machine"));
  DetectConfig servers;
  servers.expect_laptops = false;
  EXPECT_FALSE(has(Engine(Catalog::builtin(), servers).evaluate(s, {}), "hardware.virtual_machine"));
}

TEST(DeviceRules, FirstSeenCarriesOverFromThePreviousVerdict) {
  Snapshot s = base();
  add_device(s, 0x3346, 0x1009, "sipeed", "NanoKVM");
  DeviceContext ctx;
  ctx.device_id = "dev-1";
  ctx.now_unix_ms = 2000;
  auto first = Engine().evaluate(s, ctx);
  ASSERT_TRUE(has(first, "usb.nanokvm"));
  EXPECT_EQ(get(first, "usb.nanokvm").first_seen_unix_ms(), 2000);
  ctx.previous = &first;
  ctx.now_unix_ms = 9000;
  auto second = Engine().evaluate(s, ctx);
  EXPECT_EQ(get(second, "usb.nanokvm").first_seen_unix_ms(), 2000);
  EXPECT_EQ(get(second, "usb.nanokvm").last_seen_unix_ms(), 9000);
  EXPECT_EQ(second.evaluated_at_unix_ms(), 9000);
  EXPECT_EQ(second.catalog_version(), Catalog::builtin().version());
}

TEST(DeviceRules, ThresholdsComeFromConfig) {
  auto s = testing::load_scenario_snapshot("it-admin-own-remote-tools");
  DetectConfig strict;
  strict.review_threshold = 10;
  strict.suspicious_threshold = 30;
  EXPECT_EQ(Engine().evaluate(s, {}).level(), "review");
  EXPECT_EQ(Engine(Catalog::builtin(), strict).evaluate(s, {}).level(), "suspicious");
}

TEST(Rendering, JsonHasTopLevelVerdictAndCanonicalFields_TextListsFacts) {
  auto s = testing::load_scenario_snapshot("pikvm-v3-otg");
  DeviceContext ctx;
  ctx.device_id = "dev-42";
  auto v = Engine().evaluate(s, ctx);
  std::string json = to_json(v);
  EXPECT_EQ(json.rfind("{\"verdict\":\"puppeteered\"", 0), 0u) << json.substr(0, 80);
  EXPECT_NE(json.find("\"deviceId\":\"dev-42\""), std::string::npos);
  EXPECT_NE(json.find("\"indicators\":[{"), std::string::npos);
  EXPECT_NE(json.find("\"firstSeenUnixMs\":\"1763478000000\""), std::string::npos);  // int64 as string
  telltale::v1::Verdict back;
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;  // the extra top-level "verdict"
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back, lenient).ok());
  EXPECT_EQ(back.indicators_size(), v.indicators_size());
  std::string text = render_text(v);
  EXPECT_EQ(text.rfind("dev-42: puppeteered (score ", 0), 0u);
  EXPECT_NE(text.find("usb 1-2: 1d6b:0104 PiKVM PiKVM Composite Device (serial CAFEBABE)"), std::string::npos);
  // Indicators come highest score first.
  for (int i = 1; i < v.indicators_size(); ++i) EXPECT_GE(v.indicators(i - 1).score(), v.indicators(i).score());

  telltale::v1::Verdict empty;
  empty.set_level("clean");
  std::string e = to_json(empty);
  EXPECT_EQ(e.rfind("{\"verdict\":\"clean\",", 0), 0u) << e;
  EXPECT_NE(e.find("\"score\":0,"), std::string::npos) << e;
  EXPECT_NE(e.find("\"indicators\":[]"), std::string::npos) << e;
  EXPECT_NE(json.find("\"score\":580.5"), std::string::npos) << "numbers as protobuf prints them: " << json.substr(0, 120);
}

}  // namespace
}  // namespace telltale::detect
