// The pure decoders behind the macOS probes, on real bytes from Macs where
// they exist (tests/fixtures/macos/SOURCES.md).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "macos/mac_test_support.h"
#include "platform/decode/edid.h"
#include "platform/decode/hid_report.h"
#include "platform/decode/macos/hitoolbox.h"
#include "platform/decode/macos/ioreg.h"
#include "platform/decode/macos/launchctl.h"
#include "platform/decode/macos/plist_value.h"
#include "platform/decode/macos/route_arp.h"

namespace telltale::decode::macos {
namespace {

using telltale::macos_testing::fixtures;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<uint8_t> hex_file(const std::filesystem::path& p) {
  std::istringstream in(slurp(p));
  std::vector<uint8_t> out;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#")) continue;
    std::istringstream words(line);
    for (std::string w; words >> w;) out.push_back(static_cast<uint8_t>(std::stoul(w, nullptr, 16)));
  }
  return out;
}

TEST(MacDecoders, RealMacBookPro14PanelEdid_IsAppleColorLcd) {
  auto bytes = slurp(fixtures() / "captures/macbookpro14-1-panel.edid");
  auto e = decode_edid(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  EXPECT_TRUE(e.valid()) << e.error();
  EXPECT_EQ(e.pnp_id(), "APP");
  EXPECT_EQ(e.product_code(), 0xA034u);
  EXPECT_EQ(e.monitor_name(), "Color LCD");
}

TEST(MacDecoders, RealSpiTrackpadDescriptor_IsATouchpadAndMouse_NotAKeyboardOrAbsolutePointer) {
  auto rd = hex_file(fixtures() / "captures/macbookpro14-1-spi-trackpad.hex");
  ASSERT_EQ(rd.size(), 0x6Eu) << "the device announced 110 bytes";
  auto h = summarize_hid_report(rd);
  EXPECT_TRUE(h.parse_error().empty()) << h.parse_error();
  EXPECT_TRUE(h.relative_pointer());
  EXPECT_TRUE(h.touchpad());
  EXPECT_TRUE(h.vendor_page());
  EXPECT_FALSE(h.keyboard());
  EXPECT_FALSE(h.absolute_pointer());
}

TEST(MacDecoders, BinaryHiToolboxPlist_KeepsNegativeLayoutIds_AndTheSelectedKoreanMode) {
  auto file = slurp(fixtures() / "korean-2set-macbook/root/Users/alex/Library/Preferences/com.apple.HIToolbox.plist");
  ASSERT_TRUE(file.starts_with("bplist00")) << "the fixture must exercise the binary encoding";
  auto plist = parse_plist(file);
  ASSERT_TRUE(plist.value) << plist.error;
  auto r = parse_hitoolbox(*plist.value);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.sources.size(), 4u);
  EXPECT_EQ(r.sources[0].id(), "com.apple.keylayout.ABC");
  EXPECT_EQ(r.sources[0].language, "en");
  EXPECT_EQ(r.sources[2].id(), "com.apple.inputmethod.Korean.2SetKorean");
  EXPECT_EQ(r.sources[2].language, "ko");
  EXPECT_TRUE(r.sources[2].selected);
  EXPECT_FALSE(r.sources[0].selected);
  EXPECT_EQ(r.sources[3].layout_id, -19458) << "libplist hands back unsigned; the decoder must sign it";
  EXPECT_EQ(r.sources[3].language, "ru");
}

TEST(MacDecoders, PreferencesFileWithoutInputSources_IsAnError) {
  auto plist = parse_plist("<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>x</key><true/></dict></plist>");
  ASSERT_TRUE(plist.value) << plist.error;
  EXPECT_NE(parse_hitoolbox(*plist.value).error.find("AppleEnabledInputSources"), std::string::npos);
}

TEST(MacDecoders, NotAPlist_AndHostileNesting_AreErrors) {
  EXPECT_NE(parse_plist("hello").error.find("not an XML or binary property list (5 bytes)"), std::string::npos);
  std::string deep = "<plist version=\"1.0\">";
  for (int i = 0; i < 400; ++i) deep += "<array>";
  for (int i = 0; i < 400; ++i) deep += "</array>";
  deep += "</plist>";
  auto r = parse_plist(deep);
  EXPECT_FALSE(r.value);
  EXPECT_FALSE(r.error.empty());
}

TEST(MacDecoders, RouteAndArp_GiveTheGatewayAndItsNormalisedMac) {
  auto route = parse_route_get(slurp(fixtures() / "clean-macbook/route-default.txt"));
  ASSERT_TRUE(route);
  EXPECT_EQ(route->gateway, "192.168.1.1");
  EXPECT_EQ(route->interface, "en0");
  auto arp = slurp(fixtures() / "clean-macbook/arp-an.txt");
  EXPECT_EQ(arp_mac_for(arp, "192.168.1.1"), "00:1c:42:a1:b2:c3");
  EXPECT_EQ(arp_mac_for(arp, "192.168.1.37"), "3c:22:fb:0e:05:91");
  EXPECT_EQ(arp_mac_for(arp, "192.168.1.2"), "");
  EXPECT_EQ(arp_mac_for("? (10.0.0.1) at (incomplete) on en0 ifscope [ethernet]", "10.0.0.1"), "");
  EXPECT_FALSE(parse_route_get("route: writing to routing socket: not in table\n"));
}

TEST(MacDecoders, LaunchctlPrint_TellsLoadedAndRunning) {
  auto on = parse_launchctl_print(slurp(fixtures() / "anydesk-screensharing-macbook/launchctl-screensharing.txt"), 0);
  EXPECT_TRUE(on.loaded);
  EXPECT_TRUE(on.running);
  EXPECT_EQ(on.pid, 1422);
  auto idle = parse_launchctl_print("system/com.apple.screensharing = {\n\tstate = not running\n}\n", 0);
  EXPECT_TRUE(idle.loaded);
  EXPECT_FALSE(idle.running);
  EXPECT_FALSE(parse_launchctl_print("Could not find service", 113).loaded);
}

TEST(MacDecoders, LocationIdsBecomePortPaths) {
  EXPECT_EQ(usb_port_path_from_location(0x14100000), "20-1");
  EXPECT_EQ(usb_port_path_from_location(0x14130000), "20-1.3");
  EXPECT_EQ(usb_port_path_from_location(0xFA132400), "250-1.3.2.4");
  EXPECT_EQ(usb_port_path_from_location(0x14000000), "usb20");
}

TEST(MacDecoders, PiKvmUsbTree_GivesInterfacesHidSummariesAndTheCdGadget) {
  auto plist = parse_plist(slurp(fixtures() / "pikvm-macbook/ioreg-IOUSBHostDevice.xml"));
  ASSERT_TRUE(plist.value) << plist.error;
  IoregDecoded diag;
  auto devices = usb_devices_from_ioreg(*plist.value, diag);
  EXPECT_TRUE(diag.errors.empty());
  ASSERT_EQ(devices.size(), 2u) << "the PiKVM and the owner's Logitech receiver";
  const auto& d = devices[0];
  EXPECT_EQ(d.port_path(), "20-1");
  EXPECT_EQ(devices[1].port_path(), "20-3");
  EXPECT_EQ(d.vendor_id(), 0x1D6Bu);
  EXPECT_EQ(d.product_id(), 0x0104u);
  EXPECT_EQ(d.manufacturer(), "PiKVM");
  EXPECT_EQ(d.serial(), "CAFEBABE");
  EXPECT_EQ(d.speed_mbps(), "480");
  ASSERT_EQ(d.interfaces_size(), 3);
  EXPECT_EQ(d.interfaces(0).interface_string(), "HID Interface");
  ASSERT_EQ(d.interfaces(0).hid_size(), 1);
  EXPECT_TRUE(d.interfaces(0).hid(0).keyboard());
  ASSERT_EQ(d.interfaces(1).hid_size(), 1);
  EXPECT_TRUE(d.interfaces(1).hid(0).absolute_pointer());
  EXPECT_EQ(d.interfaces(1).hid(0).abs_x_max(), 32767);
  ASSERT_EQ(d.interfaces(2).storage_size(), 1);
  EXPECT_EQ(d.interfaces(2).storage(0).vendor(), "Linux");
  EXPECT_EQ(d.interfaces(2).storage(0).model(), "File-CD Gadget");
}

}  // namespace
}  // namespace telltale::decode::macos

namespace telltale::decode::macos {
namespace {

std::string xml_plist(const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\">" + body + "</plist>";
}

std::string base64(const std::string& bytes) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k[(v >> s) & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16 | (i + 1 < bytes.size() ? uint8_t(bytes[i + 1]) << 8 : 0);
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? k[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

TEST(MacDecoders, AppleSiliconFramebuffers_GiveTheBuiltInPanelAndTheExternalMonitor) {
  const std::string panel = base64(slurp(fixtures() / "captures/macbookpro14-1-panel.edid"));
  std::ifstream pikvm(std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/data/edid/pikvm-v3.bin", std::ios::binary);
  std::ostringstream pk;
  pk << pikvm.rdbuf();
  auto plist = parse_plist(xml_plist(
      "<array>"
      "<dict><key>IOObjectClass</key><string>AppleCLCD2</string><key>IORegistryEntryName</key><string>AppleCLCD2</string>"
      "<key>external</key><false/><key>EDID</key><data>" + panel + "</data></dict>"
      "<dict><key>IOObjectClass</key><string>AppleCLCD2</string><key>IORegistryEntryName</key><string>dispext0</string>"
      "<key>external</key><true/><key>DisplayAttributes</key><dict><key>EDID</key><data>" + base64(pk.str()) +
      "</data></dict></dict>"
      "<dict><key>IOObjectClass</key><string>IOMobileFramebufferShim</string><key>IORegistryEntryName</key><string>disp1</string></dict>"
      "</array>"));
  ASSERT_TRUE(plist.value) << plist.error;
  IoregDecoded diag;
  auto displays = displays_from_ioreg(*plist.value, /*lid_closed=*/true, diag);
  EXPECT_TRUE(diag.errors.empty());
  ASSERT_EQ(displays.size(), 2u);
  EXPECT_TRUE(displays[0].internal());
  EXPECT_FALSE(displays[0].enabled()) << "clamshell mode turns the panel off";
  EXPECT_EQ(displays[0].edid().pnp_id(), "APP");
  EXPECT_FALSE(displays[1].internal());
  EXPECT_TRUE(displays[1].enabled());
  EXPECT_EQ(displays[1].connector(), "dispext0");
  EXPECT_EQ(displays[1].edid().monitor_name(), "PiKVM V3");
}

TEST(MacDecoders, SoftwareCreatedHidDevice_IsMarkedVirtual) {
  // IOHIDUserDevice: a HID device a program made (remote-control tools, key remappers).
  auto plist = parse_plist(xml_plist(
      "<array><dict><key>IOObjectClass</key><string>IOHIDUserDevice</string>"
      "<key>IORegistryEntryName</key><string>IOHIDUserDevice</string><key>Product</key><string>Virtual Keyboard</string>"
      "<key>Transport</key><string>Virtual</string><key>PrimaryUsagePage</key><integer>1</integer>"
      "<key>PrimaryUsage</key><integer>6</integer><key>ReportDescriptor</key><string>oops</string></dict></array>"));
  ASSERT_TRUE(plist.value) << plist.error;
  IoregDecoded diag;
  auto devices = input_devices_from_ioreg(*plist.value, diag);
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_TRUE(devices[0].virtual_device());
  EXPECT_TRUE(devices[0].keyboard());
  EXPECT_EQ(devices[0].bus(), 0x06u);
  ASSERT_EQ(diag.errors.size(), 1u);
  EXPECT_EQ(diag.errors[0], "IOHIDUserDevice \"IOHIDUserDevice\": ReportDescriptor is not data");
}

}  // namespace
}  // namespace telltale::decode::macos

namespace telltale::decode::macos {
namespace {

// libplist 2.2 aborts the process on these (asserts in its string getters);
// a hostile preference file or tool answer must be an error, not a crash.
TEST(MacDecoders, BinaryPlistWithANulInAUtf16Key_IsRefusedNotAnAbort) {
  // {"aé\0b": "cd"} as Python's plistlib writes it (the key becomes UTF-16).
  const unsigned char bplist[] = {
      0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30, 0xd1, 0x01, 0x02, 0x64, 0x00, 0x61, 0x00, 0xe9, 0x00, 0x00,
      0x00, 0x62, 0x52, 0x63, 0x64, 0x08, 0x0b, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x17};
  auto r = parse_plist(std::string_view(reinterpret_cast<const char*>(bplist), sizeof bplist));
  EXPECT_FALSE(r.value);
  EXPECT_NE(r.error.find("holds U+0000"), std::string::npos) << r.error;
}

TEST(MacDecoders, XmlStringWithARawNul_EndsAtTheNul_NotAnAbort) {
  const std::string xml = std::string("<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>Product</key><string>Key") +
                          '\0' + "board</string></dict></plist>";
  auto r = parse_plist(xml);
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_EQ(r.value->string_at("Product"), "Key") << "libplist keeps the text before the NUL";
}

}  // namespace
}  // namespace telltale::decode::macos

namespace telltale::decode::macos {
namespace {

// `ioreg -r -c IOUSBHostDevice` prints a device behind a hub twice: inside the
// hub's subtree (below its driver and port objects) and as its own match.
TEST(MacDecoders, DeviceBehindAHub_IsListedOnceWithTheHubAsParent) {
  const std::string device =
      "<dict><key>IOObjectClass</key><string>IOUSBHostDevice</string><key>IORegistryEntryName</key><string>Keyboard</string>"
      "<key>idVendor</key><integer>1452</integer><key>idProduct</key><integer>591</integer>"
      "<key>locationID</key><integer>336658432</integer></dict>";  // 0x14110000
  auto plist = parse_plist(
      "<?xml version=\"1.0\"?><plist version=\"1.0\"><array>"
      "<dict><key>IOObjectClass</key><string>IOUSBHostDevice</string><key>IORegistryEntryName</key><string>USB2.0 Hub</string>"
      "<key>idVendor</key><integer>8457</integer><key>idProduct</key><integer>10263</integer><key>bDeviceClass</key><integer>9</integer>"
      "<key>locationID</key><integer>336592896</integer><key>IORegistryEntryChildren</key><array>"
      "<dict><key>IOObjectClass</key><string>AppleUSB20Hub</string><key>IORegistryEntryChildren</key><array>"
      "<dict><key>IOObjectClass</key><string>AppleUSB20HubPort</string><key>IORegistryEntryChildren</key><array>" +
      device + "</array></dict></array></dict></array></dict>" + device + "</array></plist>");
  ASSERT_TRUE(plist.value) << plist.error;
  IoregDecoded diag;
  auto devices = usb_devices_from_ioreg(*plist.value, diag);
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0].port_path(), "20-1");
  EXPECT_EQ(devices[0].device_class(), 9u);
  EXPECT_EQ(devices[1].port_path(), "20-1.1");
  EXPECT_EQ(devices[1].parent_port_path(), "20-1");
  EXPECT_EQ(devices[1].product_id(), 591u);
}

}  // namespace
}  // namespace telltale::decode::macos
