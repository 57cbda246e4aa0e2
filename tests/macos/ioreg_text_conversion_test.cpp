// Text `ioreg -l` dumps (what people post from their Macs) become the XML the
// probes read, through tests/fixtures/macos/ioreg_text_to_xml.py.
#include <gtest/gtest.h>

#include "macos/mac_test_support.h"
#include "platform/decode/macos/ioreg.h"
#include "platform/macos/command_runner.h"

namespace telltale::platform::macos_probe {
namespace {

using telltale::macos_testing::fixtures;
using telltale::macos_testing::write_script;

CommandResult convert(const std::string& dump) {
  telltale::testing::TempDir tmp;
  write_script(tmp.path() / "ioreg_text_to_xml",
               "exec /usr/bin/python3 '" + (fixtures() / "ioreg_text_to_xml.py").string() + "' \"$@\"");
  SpawnOptions o;
  o.tool_dir = tmp.path();
  SpawnRunner runner(o);
  return runner.run({"ioreg_text_to_xml", (fixtures() / "text-dumps" / dump).string()});
}

TEST(IoregTextConversion, TextDumpOfAUsbReceiver_ReadsLikeTheXmlFormIoregPrints) {
  auto r = convert("usb-receiver-ioreg-l.txt");
  ASSERT_EQ(r.exit_code, 0) << r.error_output;
  auto plist = decode::macos::parse_plist(r.output);
  ASSERT_TRUE(plist.value) << plist.error;
  decode::macos::IoregDecoded diag;
  auto devices = decode::macos::usb_devices_from_ioreg(*plist.value, diag);
  EXPECT_TRUE(diag.errors.empty());
  ASSERT_EQ(devices.size(), 1u);
  const auto& d = devices[0];
  EXPECT_EQ(d.port_path(), "20-3");
  EXPECT_EQ(d.vendor_id(), 0x046Du);
  EXPECT_EQ(d.product_id(), 0xC52Bu);
  EXPECT_EQ(d.manufacturer(), "Logitech");
  EXPECT_EQ(d.removable(), "removable");
  ASSERT_EQ(d.interfaces_size(), 2);
  ASSERT_EQ(d.interfaces(0).hid_size(), 1);
  EXPECT_TRUE(d.interfaces(0).hid(0).keyboard());
  EXPECT_EQ(d.interfaces(0).hid(0).descriptor_length(), 59u) << "hex data split by a space must still join";
  EXPECT_EQ(d.interfaces(1).interface_string(), "HID Interface");
}

TEST(IoregTextConversion, UnreadableValue_FailsNamingTheLineAndKey) {
  auto r = convert("unreadable-value.txt");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.error_output.find("line 3: \"idVendor\": unreadable value"), std::string::npos) << r.error_output;
}

}  // namespace
}  // namespace telltale::platform::macos_probe
