// Every macOS probe over captures of a Mac, replayed through the real
// command runner, and the detector's verdict on the resulting snapshot.
#include <gtest/gtest.h>

#include <algorithm>

#include "macos/mac_test_support.h"
#include "server/detect/engine.h"

namespace telltale::platform::macos_probe {
namespace {

using telltale::macos_testing::collect_fixture;

telltale::v1::Verdict evaluate(const telltale::v1::Snapshot& snap, const std::string& name) {
  detect::Engine engine;
  detect::DeviceContext ctx;
  ctx.device_id = name;
  return engine.evaluate(snap, ctx);
}

bool has(const telltale::v1::Verdict& v, const std::string& id) {
  return std::any_of(v.indicators().begin(), v.indicators().end(), [&](const auto& i) { return i.id() == id; });
}

// Errors other than the one every Mac reports (input timing is not collected).
std::vector<std::string> unexpected_errors(const telltale::v1::Snapshot& snap) {
  std::vector<std::string> out;
  for (const auto& e : snap.errors())
    if (e.probe() != "input_timing") out.push_back(e.probe() + " " + e.path() + ": " + e.message());
  return out;
}

TEST(MacFixtures, CleanMacBook_IsClean_WithItsSpiKeyboardTrackpadAndPanel) {
  auto snap = collect_fixture("clean-macbook");
  EXPECT_EQ(unexpected_errors(snap), std::vector<std::string>{});
  EXPECT_EQ(snap.hardware().product_name(), "MacBookPro14,1");
  EXPECT_EQ(snap.hardware().chassis_kind(), "laptop");
  EXPECT_EQ(snap.hardware().memory_bytes(), 8ull << 30);
  ASSERT_EQ(snap.displays_size(), 1);
  EXPECT_TRUE(snap.displays(0).internal());
  EXPECT_TRUE(snap.displays(0).enabled());
  EXPECT_EQ(snap.displays(0).edid().monitor_name(), "Color LCD");
  EXPECT_TRUE(snap.lid().present());
  EXPECT_FALSE(snap.lid().closed());
  ASSERT_EQ(snap.input_devices_size(), 4);
  EXPECT_TRUE(snap.input_devices(0).keyboard());
  EXPECT_EQ(snap.input_devices(0).bus(), 0x1Cu);
  EXPECT_TRUE(snap.input_devices(1).touchpad());
  EXPECT_FALSE(snap.input_devices(1).has_absolute());
  // The owner's Logitech Unifying receiver, with the descriptors macOS returned for one.
  ASSERT_EQ(snap.usb_devices_size(), 1);
  const auto& rx = snap.usb_devices(0);
  EXPECT_EQ(rx.port_path(), "20-3");
  EXPECT_EQ(rx.vendor_id(), 0x046Du);
  EXPECT_EQ(rx.product_id(), 0xC52Bu);
  EXPECT_EQ(rx.speed_mbps(), "12");
  ASSERT_EQ(rx.interfaces_size(), 3);
  ASSERT_EQ(rx.interfaces(0).hid_size(), 1);
  EXPECT_TRUE(rx.interfaces(0).hid(0).keyboard());
  ASSERT_EQ(rx.interfaces(1).hid_size(), 1);
  EXPECT_TRUE(rx.interfaces(1).hid(0).relative_pointer());
  EXPECT_FALSE(rx.interfaces(1).hid(0).absolute_pointer());
  EXPECT_EQ(rx.interfaces(2).hid_size(), 0);
  EXPECT_EQ(snap.time().iana_zone(), "America/New_York");
  EXPECT_EQ(snap.time().utc_offset_seconds(), -5 * 3600);
  EXPECT_EQ(snap.time().abbreviation(), "EST");
  EXPECT_EQ(snap.network().default_gateway_ip(), "192.168.1.1");
  EXPECT_EQ(snap.network().default_gateway_mac(), "00:1c:42:a1:b2:c3");
  EXPECT_TRUE(snap.remote_access().empty());
  ASSERT_EQ(snap.errors_size(), 1);
  EXPECT_NE(snap.errors(0).message().find("Input Monitoring"), std::string::npos);

  auto v = evaluate(snap, "clean-macbook");
  EXPECT_EQ(v.level(), "clean") << detect::render_text(v);
}

TEST(MacFixtures, PiKvmOnHdmiAndUsbWithLidClosed_IsPuppeteered) {
  auto snap = collect_fixture("pikvm-macbook");
  EXPECT_EQ(unexpected_errors(snap), std::vector<std::string>{});
  EXPECT_TRUE(snap.lid().closed());
  auto v = evaluate(snap, "pikvm-macbook");
  EXPECT_EQ(v.level(), "puppeteered") << detect::render_text(v);
  for (const char* id : {"usb.pikvm_otg", "edid.pikvm_v3", "usb.keyboard_with_absolute_pointer", "usb.gadget_hid_interface",
                         "usb.gadget_file_storage", "usb.gadget_linux_foundation_vid", "display.external_only"})
    EXPECT_TRUE(has(v, id)) << "missing " << id << "\n" << detect::render_text(v);
}

TEST(MacFixtures, JetKvmCloningALogitechReceiver_IsPuppeteered_ByStructureAndItsEdid) {
  auto snap = collect_fixture("jetkvm-logitech-clone-macbook");
  EXPECT_EQ(unexpected_errors(snap), std::vector<std::string>{});
  auto v = evaluate(snap, "jetkvm-logitech-clone-macbook");
  EXPECT_EQ(v.level(), "puppeteered") << detect::render_text(v);
  for (const char* id : {"edid.jetkvm", "usb.keyboard_with_absolute_pointer", "usb.gadget_hid_interface"})
    EXPECT_TRUE(has(v, id)) << "missing " << id << "\n" << detect::render_text(v);
  EXPECT_FALSE(has(v, "usb.jetkvm")) << "the USB strings are Logitech's now";
  // The clone (20-2) is named; the owner's real receiver with the same identity (20-3) is not.
  for (const auto& ind : v.indicators()) {
    if (ind.id() != "usb.keyboard_with_absolute_pointer") continue;
    for (const auto& f : ind.evidence()) EXPECT_EQ(f.key(), "usb 20-2") << f.value();
  }
}

TEST(MacFixtures, AnyDeskSessionWithScreenSharingOn_IsReview_WhileThePeerDistanceIsUnknown) {
  auto snap = collect_fixture("anydesk-screensharing-macbook");
  EXPECT_EQ(unexpected_errors(snap), std::vector<std::string>{});
  const telltale::v1::RemoteAccessTool* anydesk = nullptr;
  const telltale::v1::RemoteAccessTool* sharing = nullptr;
  for (const auto& t : snap.remote_access()) {
    if (t.tool_id() == "remote.anydesk") anydesk = &t;
    if (t.tool_id() == "remote.apple_screen_sharing") sharing = &t;
  }
  ASSERT_NE(anydesk, nullptr);
  EXPECT_TRUE(anydesk->installed());
  EXPECT_TRUE(anydesk->running());
  EXPECT_TRUE(anydesk->connected());
  EXPECT_EQ(std::vector<uint32_t>(anydesk->listening_ports().begin(), anydesk->listening_ports().end()),
            std::vector<uint32_t>{7070});
  EXPECT_EQ(std::vector<std::string>(anydesk->installed_paths().begin(), anydesk->installed_paths().end()),
            std::vector<std::string>{"/Applications/AnyDesk.app"});
  ASSERT_EQ(anydesk->peers_size(), 1);
  EXPECT_EQ(anydesk->peers(0).remote_address(), "195.181.174.41:443");
  ASSERT_NE(sharing, nullptr);
  EXPECT_TRUE(sharing->installed());
  EXPECT_TRUE(sharing->running());
  EXPECT_TRUE(sharing->listening());

  auto v = evaluate(snap, "anydesk-screensharing-macbook");
  // Both tools running is medium; a session alone cannot tell a helpdesk from a
  // remote operator without the peer RTT, which macOS does not give a daemon.
  EXPECT_EQ(v.level(), "review") << detect::render_text(v);
  for (const char* id : {"remote.anydesk", "remote.apple_screen_sharing", "remote.several_tools"})
    EXPECT_TRUE(has(v, id)) << "missing " << id << "\n" << detect::render_text(v);
}

TEST(MacFixtures, Korean2SetInputSource_IsReportedPerUser_AndMatchesTheKoreanImeSignature) {
  auto snap = collect_fixture("korean-2set-macbook");
  EXPECT_EQ(unexpected_errors(snap), std::vector<std::string>{});
  ASSERT_EQ(snap.keyboard().users_size(), 1);
  const auto& u = snap.keyboard().users(0);
  EXPECT_EQ(u.user(), "alex");
  std::vector<std::string> names;
  for (const auto& im : u.input_methods()) names.push_back(im.name() + "/" + im.language());
  EXPECT_EQ(names, (std::vector<std::string>{"com.apple.keylayout.ABC/en", "com.apple.inputmethod.Korean/ko",
                                             "com.apple.inputmethod.Korean.2SetKorean/ko",
                                             "com.apple.keylayout.Russian-PC/ru"}));
  EXPECT_EQ(snap.time().iana_zone(), "Asia/Seoul");
  EXPECT_EQ(snap.time().utc_offset_seconds(), 9 * 3600);
  auto v = evaluate(snap, "korean-2set-macbook");
  EXPECT_TRUE(has(v, "ime.korean")) << detect::render_text(v);
  EXPECT_EQ(v.level(), "clean") << "an input method alone is context, not a finding\n" << detect::render_text(v);
}

}  // namespace
}  // namespace telltale::platform::macos_probe
