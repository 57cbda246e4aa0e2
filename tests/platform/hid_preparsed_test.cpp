// Windows preparsed data → report descriptor, on 25 real Windows captures
// (hidapi's windows/test/data, see tests/fixtures/data/hid-windows/SOURCES.md):
// the rebuilt descriptor must tell the HID decoder exactly what the device's
// real descriptor tells it, so a KVM looks the same on Windows as on Linux.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "platform/decode/hid_preparsed.h"
#include "platform/decode/hid_report.h"
#include "support/fixture_bytes.h"

namespace {

using telltale::decode::reconstruct_hid_descriptor;
using telltale::decode::summarize_hid_report;
using telltale::testing::fixture_bytes;

const char* const kCaptures[] = {
    "045E_02FF_0005_0001", "046A_0011_0006_0001", "046D_0A37_0001_000C", "046D_B010_0001_000C", "046D_B010_0001_FF00",
    "046D_B010_0002_0001", "046D_B010_0002_FF00", "046D_B010_0006_0001", "046D_C077_0002_0001", "046D_C283_0004_0001",
    "046D_C52F_0001_000C", "046D_C52F_0001_FF00", "046D_C52F_0002_0001", "046D_C52F_0002_FF00", "046D_C534_0001_000C",
    "046D_C534_0001_FF00", "046D_C534_0002_0001", "046D_C534_0002_FF00", "046D_C534_0006_0001", "046D_C534_0080_0001",
    "047F_C056_0001_000C", "047F_C056_0003_FFA0", "047F_C056_0005_000B", "1532_00A3_0002_0001", "17CC_1130_0000_FF01",
};

std::string structure(const telltale::v1::HidSummary& s) {
  std::string out = "keyboard=" + std::to_string(s.keyboard()) + " rel=" + std::to_string(s.relative_pointer()) +
                    " abs=" + std::to_string(s.absolute_pointer()) + " x=" + std::to_string(s.abs_x_min()) + ".." +
                    std::to_string(s.abs_x_max()) + " y=" + std::to_string(s.abs_y_min()) + ".." + std::to_string(s.abs_y_max()) +
                    " consumer=" + std::to_string(s.consumer_control()) + " system=" + std::to_string(s.system_control()) +
                    " vendor=" + std::to_string(s.vendor_page()) + " digitizer=" + std::to_string(s.digitizer()) +
                    " touchpad=" + std::to_string(s.touchpad()) + " gamepad=" + std::to_string(s.gamepad()) + " pages=";
  for (auto p : s.usage_pages()) out += std::to_string(p) + ",";
  out += " ids=";
  for (auto id : s.report_ids()) out += std::to_string(id) + ",";
  return out;
}

class WindowsCapture : public ::testing::TestWithParam<const char*> {};

TEST_P(WindowsCapture, RebuiltDescriptor_HasTheRealDescriptorsStructure) {
  const std::string name = GetParam();
  const auto rebuilt = reconstruct_hid_descriptor(fixture_bytes("hid-windows/" + name + ".pp_data.bin"));
  ASSERT_EQ(rebuilt.error, "");
  const auto from_windows = summarize_hid_report(rebuilt.descriptor);
  const auto real = summarize_hid_report(fixture_bytes("hid-windows/" + name + ".real.bin"));
  ASSERT_EQ(real.parse_error(), "") << "real descriptor of " << name;
  EXPECT_EQ(from_windows.parse_error(), "");
  EXPECT_EQ(structure(from_windows), structure(real));
}

INSTANTIATE_TEST_SUITE_P(HidapiCaptures, WindowsCapture, ::testing::ValuesIn(kCaptures),
                         [](const auto& info) { return std::string("Device_") + info.param; });

// The PiKVM's collections as Windows would hold them (synthesised from its
// real descriptors, make_hid_windows.py): the round trip must land on the
// same structure, absolute range included.
TEST(HidPreparsed, PiKvmSyntheticPreparsedData_RoundTripsToTheLinuxSummary) {
  for (const std::string name : {"pikvm-keyboard", "pikvm-mouse-absolute"}) {
    const auto rebuilt = reconstruct_hid_descriptor(fixture_bytes("hid-windows/" + name + ".synthetic.pp_data.bin"));
    ASSERT_EQ(rebuilt.error, "") << name;
    EXPECT_EQ(structure(summarize_hid_report(rebuilt.descriptor)), structure(summarize_hid_report(fixture_bytes("hid/" + name + ".bin"))))
        << name;
  }
  const auto mouse = summarize_hid_report(
      reconstruct_hid_descriptor(fixture_bytes("hid-windows/pikvm-mouse-absolute.synthetic.pp_data.bin")).descriptor);
  EXPECT_TRUE(mouse.absolute_pointer());
  EXPECT_EQ(mouse.abs_x_max(), 32767);
}

TEST(HidPreparsed, LogitechReceiverKeyboardOnWindows_IsAKeyboard) {
  const auto rebuilt = reconstruct_hid_descriptor(fixture_bytes("hid-windows/046D_C534_0006_0001.pp_data.bin"));
  const auto s = summarize_hid_report(rebuilt.descriptor);
  EXPECT_TRUE(s.keyboard());
  EXPECT_FALSE(s.absolute_pointer());
}

TEST(HidPreparsed, TruncatedBlob_IsAnErrorWithTheSizes) {
  auto pp = fixture_bytes("hid-windows/046D_C52F_0002_0001.pp_data.bin");
  pp.resize(300);
  const auto rebuilt = reconstruct_hid_descriptor(pp);
  EXPECT_EQ(rebuilt.error, "preparsed data: 300 bytes, cap 5 would end at 564");
  EXPECT_TRUE(rebuilt.descriptor.empty());
}

TEST(HidPreparsed, WrongMagic_IsRejected) {
  auto pp = fixture_bytes("hid-windows/046D_C52F_0002_0001.pp_data.bin");
  pp[0] = 'X';
  EXPECT_EQ(reconstruct_hid_descriptor(pp).error, "preparsed data: magic is not \"HidP KDR\"");
}

TEST(HidPreparsed, CapInACollectionThatDoesNotExist_IsRejected) {
  auto pp = fixture_bytes("hid-windows/046D_C52F_0002_0001.pp_data.bin");
  pp[44 + 18] = 9;  // cap 0's LinkCollection
  EXPECT_EQ(reconstruct_hid_descriptor(pp).error, "preparsed data: cap 0 in link collection 9 of 2");
}

}  // namespace
