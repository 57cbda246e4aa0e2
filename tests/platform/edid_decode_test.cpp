#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "platform/decode/edid.h"
#include "support/fixture_bytes.h"

namespace {

using telltale::decode::decode_edid;
using telltale::testing::fixture_bytes;

TEST(EdidDecode, PiKvmV3_IsLinuxFoundationWithFixedSerialString) {
  const auto e = decode_edid(fixture_bytes("edid/pikvm-v3.bin"));
  EXPECT_TRUE(e.valid()) << e.error();
  EXPECT_TRUE(e.checksum_ok());
  EXPECT_EQ(e.pnp_id(), "LNX");
  EXPECT_TRUE(e.pnp_registered());
  EXPECT_EQ(e.pnp_vendor_name(), "The Linux Foundation");
  EXPECT_EQ(e.product_code(), 0x7771u);
  EXPECT_EQ(e.monitor_name(), "PiKVM V3");
  EXPECT_EQ(e.serial_string(), "CAFEBABE");
  EXPECT_EQ(e.serial_number(), 0x01010101u);
  EXPECT_EQ(e.week(), 35u);
  EXPECT_EQ(e.year(), 2016u);
  EXPECT_EQ(e.version(), "1.3");
  EXPECT_TRUE(e.digital());
  EXPECT_EQ(e.width_cm(), 53u);
  EXPECT_EQ(e.height_cm(), 30u);
  EXPECT_EQ(e.extension_count(), 1u);
  // First detailed timing: 1280x720 at 74.25 MHz, 1650x750 total → 60 Hz.
  EXPECT_EQ(e.preferred_mode().width(), 1280u);
  EXPECT_EQ(e.preferred_mode().height(), 720u);
  EXPECT_EQ(e.preferred_mode().pixel_clock_khz(), 74250u);
  EXPECT_EQ(e.preferred_mode().refresh_millihz(), 60000u);
}

TEST(EdidDecode, TinyPilot_ReportsToshibaIdAndName) {
  const auto e = decode_edid(fixture_bytes("edid/tinypilot.bin"));
  EXPECT_TRUE(e.valid()) << e.error();
  EXPECT_EQ(e.pnp_id(), "TSB");
  EXPECT_TRUE(e.pnp_registered());
  EXPECT_EQ(e.product_code(), 0x9876u);
  EXPECT_EQ(e.monitor_name(), "TinyPilot");
  EXPECT_EQ(e.serial_string(), "");
  EXPECT_EQ(e.extension_count(), 1u);
  EXPECT_EQ(e.preferred_mode().width(), 1920u);
  EXPECT_EQ(e.preferred_mode().height(), 1080u);
  EXPECT_EQ(e.preferred_mode().refresh_millihz(), 60000u);
}

TEST(EdidDecode, NanoKvm_HasUnregisteredPnpId) {
  const auto e = decode_edid(fixture_bytes("edid/nanokvm.bin"));
  EXPECT_TRUE(e.valid()) << e.error();
  EXPECT_EQ(e.pnp_id(), "SPD");
  EXPECT_FALSE(e.pnp_registered());
  EXPECT_EQ(e.pnp_vendor_name(), "");
  EXPECT_EQ(e.product_code(), 0x3301u);
  EXPECT_EQ(e.monitor_name(), "NanoKVM");
  EXPECT_EQ(e.serial_string(), "NanoKVM");
}

TEST(EdidDecode, Ms2109CaptureDongle_HasUnregisteredPnpId) {
  const auto e = decode_edid(fixture_bytes("edid/ms2109.bin"));
  EXPECT_TRUE(e.valid()) << e.error();
  EXPECT_EQ(e.pnp_id(), "HJW");
  EXPECT_FALSE(e.pnp_registered());
  EXPECT_EQ(e.product_code(), 0x0001u);
  EXPECT_EQ(e.monitor_name(), "HDMI TO USB");
}

TEST(EdidDecode, DellU2412M_IsRegisteredDellWithPerUnitSerial) {
  const auto e = decode_edid(fixture_bytes("edid/dell-u2412m.bin"));
  EXPECT_TRUE(e.valid()) << e.error();
  EXPECT_EQ(e.pnp_id(), "DEL");
  EXPECT_EQ(e.pnp_vendor_name(), "Dell Inc.");
  EXPECT_EQ(e.product_code(), 0xA07Bu);
  EXPECT_EQ(e.monitor_name(), "DELL U2412M");
  EXPECT_EQ(e.serial_string(), "M2GCR1CS0T1L");
  EXPECT_EQ(e.serial_number(), 0x3054314Cu);
  EXPECT_EQ(e.year(), 2011u);
  EXPECT_EQ(e.version(), "1.4");
  EXPECT_EQ(e.width_cm(), 52u);
  EXPECT_EQ(e.height_cm(), 32u);
  EXPECT_EQ(e.extension_count(), 0u);
  // 154 MHz, 2080x1235 total → 59.950 Hz (reduced blanking 1920x1200).
  EXPECT_EQ(e.preferred_mode().width(), 1920u);
  EXPECT_EQ(e.preferred_mode().height(), 1200u);
  EXPECT_EQ(e.preferred_mode().pixel_clock_khz(), 154000u);
  EXPECT_EQ(e.preferred_mode().refresh_millihz(), 59950u);
}

TEST(EdidDecode, LaptopPanel_HasTwoTextStringsAndNoName) {
  const auto e = decode_edid(fixture_bytes("edid/laptop-edp-boe.bin"));
  EXPECT_TRUE(e.valid()) << e.error();
  EXPECT_EQ(e.pnp_id(), "BOE");
  EXPECT_TRUE(e.pnp_registered());
  EXPECT_EQ(e.monitor_name(), "");
  EXPECT_EQ(e.text(), "BOE CQ NE135FBM-N41");
  EXPECT_EQ(e.preferred_mode().width(), 2256u);
  EXPECT_EQ(e.preferred_mode().height(), 1504u);
  EXPECT_EQ(e.width_cm(), 28u);
  EXPECT_EQ(e.height_cm(), 19u);
}

TEST(EdidDecode, Truncated96Bytes_IsInvalidButKeepsTheIdentity) {
  const auto e = decode_edid(fixture_bytes("edid/truncated-96.bin"));
  EXPECT_FALSE(e.valid());
  EXPECT_FALSE(e.checksum_ok());
  EXPECT_NE(e.error().find("96 bytes, expected a multiple of 128"), std::string::npos) << e.error();
  EXPECT_EQ(e.pnp_id(), "DEL");
  EXPECT_EQ(e.product_code(), 0xA07Bu);
  EXPECT_EQ(e.serial_string(), "M2GCR1CS0T1L");  // descriptor 2 (bytes 72–89) is complete
  EXPECT_EQ(e.monitor_name(), "");               // descriptor 3 (90–107) is cut off
}

TEST(EdidDecode, WrongChecksum_NamesStoredAndExpectedByte) {
  const auto e = decode_edid(fixture_bytes("edid/wrong-checksum.bin"));
  EXPECT_FALSE(e.valid());
  EXPECT_FALSE(e.checksum_ok());
  EXPECT_EQ(e.error(), "block 0 checksum 0x3e, expected 0x96");
  EXPECT_EQ(e.monitor_name(), "DELL U2412M");
}

TEST(EdidDecode, BadHeader_IsReportedWithTheBytesSeen) {
  const auto e = decode_edid(fixture_bytes("edid/bad-header.bin"));
  EXPECT_FALSE(e.valid());
  EXPECT_TRUE(e.checksum_ok());
  EXPECT_NE(e.error().find("header 47 41 52 42 41 47 45 21, expected 00 FF FF FF FF FF FF 00"), std::string::npos) << e.error();
}

TEST(EdidDecode, ExtensionCountWithoutExtension_IsInvalid) {
  const auto e = decode_edid(fixture_bytes("edid/extension-missing.bin"));
  EXPECT_FALSE(e.valid());
  EXPECT_EQ(e.error(), "128 bytes but byte 126 says 1 extension");
  EXPECT_EQ(e.monitor_name(), "PiKVM V3");
}

TEST(EdidDecode, ExtensionBlockChecksum_IsCheckedPerBlock) {
  auto raw = fixture_bytes("edid/pikvm-v3.bin");
  raw[200] ^= 0x01;
  const auto e = decode_edid(raw);
  EXPECT_FALSE(e.valid());
  EXPECT_NE(e.error().find("block 1 checksum"), std::string::npos) << e.error();
}

TEST(EdidDecode, EmptyAndGarbage_AreInvalidWithoutCrash) {
  EXPECT_EQ(decode_edid({}).error(), "empty");
  const std::vector<uint8_t> garbage(128, 0xFF);
  const auto e = decode_edid(garbage);
  EXPECT_FALSE(e.valid());
  EXPECT_NE(e.error().find("header FF FF"), std::string::npos);
  EXPECT_NE(e.error().find("PNP id"), std::string::npos) << e.error();
  EXPECT_EQ(e.pnp_id().size(), 3u);
  const std::vector<uint8_t> tiny{0x00, 0xFF};
  EXPECT_FALSE(decode_edid(tiny).valid());
}

TEST(EdidDecode, NonPrintableNameBytes_AreEscapedNotPassedThrough) {
  auto raw = fixture_bytes("edid/dell-u2412m.bin");
  // The name descriptor sits at byte 90, its text from 95. Put a control
  // byte and a high byte into it and fix the checksum.
  raw[95] = 0x07;
  raw[96] = 0xE9;
  uint8_t sum = 0;
  for (int i = 0; i < 127; ++i) sum = static_cast<uint8_t>(sum + raw[i]);
  raw[127] = static_cast<uint8_t>(0x100 - sum);
  const auto e = decode_edid(raw);
  EXPECT_TRUE(e.valid()) << e.error();
  EXPECT_EQ(e.monitor_name(), "\\x07\\xE9LL U2412M");
}

// Rewrites the 13 text bytes of the descriptor at `offset` and fixes block 0's checksum.
std::vector<uint8_t> with_descriptor(std::vector<uint8_t> raw, size_t offset, uint8_t tag, std::string_view text,
                                     uint8_t pad) {
  for (size_t i = 0; i < 5; ++i) raw[offset + i] = 0;
  raw[offset + 3] = tag;
  for (size_t i = 0; i < 13; ++i) raw[offset + 5 + i] = i < text.size() ? static_cast<uint8_t>(text[i]) : pad;
  uint8_t sum = 0;
  for (int i = 0; i < 127; ++i) sum = static_cast<uint8_t>(sum + raw[i]);
  raw[127] = static_cast<uint8_t>(0x100 - sum);
  return raw;
}

TEST(EdidDecode, NamePaddedWithNulInsteadOfLineFeed_IsTrimmed) {
  // Capture dongles pad with NUL, 0xFF, 0xA0 or CR instead of LF + spaces;
  // the name must still read "HDMI TO USB" so a catalog match holds.
  for (int pad_byte : {0x00, 0xFF, 0xA0, 0x0D, 0x20}) {
    const auto pad = static_cast<uint8_t>(pad_byte);
    const auto e = decode_edid(with_descriptor(fixture_bytes("edid/dell-u2412m.bin"), 90, 0xFC, "HDMI TO USB", pad));
    EXPECT_TRUE(e.valid()) << e.error();
    EXPECT_EQ(e.monitor_name(), "HDMI TO USB") << "pad " << int(pad);
  }
}

TEST(EdidDecode, TwoNameDescriptors_StayTwoStrings) {
  auto raw = with_descriptor(fixture_bytes("edid/dell-u2412m.bin"), 72, 0xFC, "PI-KVM\n", ' ');
  raw = with_descriptor(raw, 90, 0xFC, "Video\n", ' ');
  const auto e = decode_edid(raw);
  ASSERT_EQ(e.monitor_names_size(), 2);
  EXPECT_EQ(e.monitor_names(0), "PI-KVM");
  EXPECT_EQ(e.monitor_names(1), "Video");
  EXPECT_EQ(e.monitor_name(), "PI-KVM Video");  // joined with a separator, never "PI-KVMVideo"
  EXPECT_EQ(e.serial_strings_size(), 0);
}

TEST(EdidDecode, PnpCodesOutsideAToZ_PrintAsEdidDecodeDoes) {
  auto raw = fixture_bytes("edid/dell-u2412m.bin");
  // "MS_": M=13, S=19, _=31 → 0 01101 10011 11111
  raw[8] = 0x36;
  raw[9] = 0x7F;
  uint8_t sum = 0;
  for (int i = 0; i < 127; ++i) sum = static_cast<uint8_t>(sum + raw[i]);
  raw[127] = static_cast<uint8_t>(0x100 - sum);
  const auto e = decode_edid(raw);
  EXPECT_EQ(e.pnp_id(), "MS_");
  EXPECT_TRUE(e.valid()) << e.error();
  EXPECT_FALSE(e.pnp_registered());
}

TEST(EdidDecode, HdmiForumEeodb_CountsTheOverriddenBlocks) {
  // The layout of HDMI 2.1 TVs: byte 126 says 1 extension so old sources read
  // two blocks, the HF-EEODB in the CTA block says 2, and three blocks are
  // present — valid, as HDMI 2.1 defines it (real ones: tests/fixtures/edid-real).
  auto raw = fixture_bytes("edid/dell-u2412m.bin");
  raw.resize(384, 0);
  raw[126] = 1;
  uint8_t sum = 0;
  for (int i = 0; i < 127; ++i) sum = static_cast<uint8_t>(sum + raw[i]);
  raw[127] = static_cast<uint8_t>(0x100 - sum);
  const uint8_t cta[] = {0x02, 0x03, 0x07, 0x00, 0xE2, 0x78, 0x02};
  std::copy(std::begin(cta), std::end(cta), raw.begin() + 128);
  for (size_t block : {1u, 2u}) {
    if (block == 2) raw[256] = 0x02, raw[257] = 0x03, raw[258] = 0x04;
    uint8_t s = 0;
    for (size_t i = block * 128; i < block * 128 + 127; ++i) s = static_cast<uint8_t>(s + raw[i]);
    raw[block * 128 + 127] = static_cast<uint8_t>(0x100 - s);
  }
  const auto e = decode_edid(raw);
  EXPECT_TRUE(e.valid()) << e.error();
  EXPECT_EQ(e.eeodb_extension_count(), 2u);
  EXPECT_EQ(e.extension_count(), 2u);

  raw.resize(256);  // what a source without EEODB support reads: byte 126's two blocks
  const auto legacy = decode_edid(raw);
  EXPECT_TRUE(legacy.valid()) << legacy.error();
  EXPECT_EQ(legacy.extension_count(), 2u);

  raw.resize(512, 0);  // neither count: a fourth block nobody announced
  const auto extra = decode_edid(raw);
  EXPECT_FALSE(extra.valid());
  EXPECT_NE(extra.error().find("512 bytes but byte 126 says 1 extension and the HDMI Forum EEODB 2"), std::string::npos)
      << extra.error();
}

}  // namespace
