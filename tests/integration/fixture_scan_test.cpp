// `telltale-agent scan --root tests/fixtures/<name> --offline --format json`
// shows the facts that tell these machines apart, through the real binary.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "integration/harness.h"
#include "telltale/v1/snapshot.pb.h"

namespace telltale::testing {
namespace {

telltale::v1::Snapshot scan(const std::string& fixture_name) {
  auto r = run({binary("telltale-agent").string(), "scan", "--offline", "--format", "json", "--log-level", "error",
                "--root", fixture(fixture_name).string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  telltale::v1::Snapshot s;
  auto status = google::protobuf::util::JsonStringToMessage(r.out, &s);
  EXPECT_TRUE(status.ok()) << status.ToString() << r.out.substr(0, 500);
  return s;
}

const telltale::v1::UsbDevice* usb(const telltale::v1::Snapshot& s, uint32_t vid, uint32_t pid) {
  for (const auto& d : s.usb_devices())
    if (d.vendor_id() == vid && d.product_id() == pid) return &d;
  return nullptr;
}

bool offers(const telltale::v1::UsbDevice& d, bool keyboard, bool absolute) {
  bool k = false, a = false;
  for (const auto& i : d.interfaces())
    for (const auto& h : i.hid()) k |= h.keyboard(), a |= h.absolute_pointer();
  return k == keyboard && a == absolute;
}

const telltale::v1::Display* display(const telltale::v1::Snapshot& s, const std::string& type) {
  for (const auto& d : s.displays())
    if (d.connector_type() == type) return &d;
  return nullptr;
}

TEST(FixtureScan, PiKvmLaptopShowsGadgetKeyboardAbsolutePointerAndKvmEdidWithPanelOff) {
  auto s = scan("pikvm-laptop");
  auto* kvm = usb(s, 0x1d6b, 0x0104);
  ASSERT_NE(kvm, nullptr);
  EXPECT_EQ(kvm->manufacturer(), "PiKVM");
  EXPECT_EQ(kvm->serial(), "CAFEBABE");
  EXPECT_TRUE(offers(*kvm, true, true));
  auto* hdmi = display(s, "HDMI-A");
  ASSERT_NE(hdmi, nullptr);
  EXPECT_EQ(hdmi->edid().pnp_id(), "LNX");
  EXPECT_EQ(hdmi->edid().monitor_name(), "PiKVM V3");
  auto* panel = display(s, "eDP");
  ASSERT_NE(panel, nullptr);
  EXPECT_FALSE(panel->enabled());
  EXPECT_TRUE(s.lid().closed());
  EXPECT_FALSE(s.hardware().product_name().empty());
  EXPECT_GT(s.input_devices_size(), 0);
}

TEST(FixtureScan, TinyPilotAndNanoKvmAreSeenByIdentityAndStructure) {
  auto t = scan("tinypilot-laptop");
  auto* tp = usb(t, 0x1d6b, 0x0104);
  ASSERT_NE(tp, nullptr);
  EXPECT_EQ(tp->manufacturer(), "tinypilot");
  EXPECT_TRUE(offers(*tp, true, true));
  auto n = scan("nanokvm-laptop");
  auto* nk = usb(n, 0x3346, 0x1009);
  ASSERT_NE(nk, nullptr);
  auto* hdmi = display(n, "HDMI-A");
  ASSERT_NE(hdmi, nullptr);
  EXPECT_EQ(hdmi->edid().pnp_id(), "SPD");
  EXPECT_FALSE(hdmi->edid().pnp_registered());
}

TEST(FixtureScan, CleanLaptopHasNoAbsolutePointerOnUsbAndItsPanelOn) {
  auto s = scan("clean-laptop");
  for (const auto& d : s.usb_devices()) EXPECT_TRUE(offers(d, false, false) || offers(d, true, false)) << d.port_path();
  auto* panel = display(s, "eDP");
  ASSERT_NE(panel, nullptr);
  EXPECT_TRUE(panel->enabled());
  EXPECT_FALSE(s.hardware().vm().is_virtual());
}

TEST(FixtureScan, TouchscreenLaptopHasALegitimateDigitizer) {
  auto s = scan("touchscreen-laptop");
  bool digitizer = false;
  for (const auto& d : s.usb_devices())
    for (const auto& i : d.interfaces())
      for (const auto& h : i.hid()) digitizer |= h.digitizer() && h.absolute_pointer();
  for (const auto& in : s.input_devices()) digitizer |= in.touchscreen();
  EXPECT_TRUE(digitizer);
}

TEST(FixtureScan, DeveloperVmIsRecognisedAsAVirtualMachine) {
  auto s = scan("dev-vm");
  EXPECT_TRUE(s.hardware().vm().is_virtual());
  EXPECT_FALSE(s.hardware().vm().hypervisor().empty());
}

TEST(FixtureScan, TextFormatIsForPeopleAndBadArgumentsAreUsageErrors) {
  auto text = run({binary("telltale-agent").string(), "scan", "--offline", "--log-level", "error", "--root",
                   fixture("pikvm-laptop").string()});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("PiKVM Composite Device"), std::string::npos) << text.out;
  auto bad_root = run({binary("telltale-agent").string(), "scan", "--offline", "--root", "/nonexistent"});
  EXPECT_EQ(bad_root.exit_code, 2);
  EXPECT_NE(bad_root.err.find("is not a directory"), std::string::npos);
  auto bad_format = run({binary("telltale-agent").string(), "scan", "--offline", "--format", "xml"});
  EXPECT_EQ(bad_format.exit_code, 2);
  auto not_enrolled = run({binary("telltale-agent").string(), "scan", "--state-dir", "/nonexistent-state"});
  EXPECT_EQ(not_enrolled.exit_code, 2) << "online scan without an identity is 'unknown'";
}

}  // namespace
}  // namespace telltale::testing
