// The SMBIOS decoder on real tables: two laptops as dmidecode dumped them on
// Linux and one Windows RSMB blob. The values were read by Debian's dmidecode
// 3.4 from the same files (smbios_dmidecode_test.cpp re-checks them against
// the tool wherever it is installed); this file also runs under Wine.
#include <gtest/gtest.h>

#include "platform/decode/smbios.h"
#include "support/fixture_bytes.h"
#include "support/smbios_dump.h"

namespace {

using telltale::decode::decode_smbios_rsmb;
using telltale::decode::decode_smbios_table;
using telltale::testing::fixture_bytes;
using telltale::testing::read_dmidecode_dump;

TEST(Smbios, SurfaceLaptop3RsmbBlobFromWindows_IsALaptopWithItsSerials) {
  const auto info = decode_smbios_rsmb(fixture_bytes("smbios/surface-laptop-3.rsmb"));
  EXPECT_EQ(info.error, "");
  EXPECT_EQ(info.major, 3u);
  EXPECT_EQ(info.minor, 2u);
  EXPECT_EQ(info.sys_vendor, "Microsoft Corporation");
  EXPECT_EQ(info.product_name, "Surface Laptop 3");
  EXPECT_EQ(info.product_version, "124I:00044T:000M:0400000B:07");
  EXPECT_EQ(info.product_serial, "023078193757");
  EXPECT_EQ(info.product_uuid, "4ee6523f-d56a-f3ea-8e2a-891cf96286ea");
  EXPECT_EQ(info.product_sku, "Surface_Laptop_3_1873");
  EXPECT_EQ(info.product_family, "Surface");
  EXPECT_EQ(info.board_vendor, "Microsoft Corporation");
  EXPECT_EQ(info.board_name, "Surface Laptop 3");
  EXPECT_EQ(info.board_serial, "A009250100J1939A");
  EXPECT_EQ(info.chassis_type, 9u);  // dmidecode: "Laptop"
  EXPECT_EQ(info.chassis_serial, "023078193757");
  EXPECT_EQ(info.bios_vendor, "Microsoft Corporation");
  EXPECT_EQ(info.bios_version, "1.2238.140");
  EXPECT_EQ(info.structures, 20u);
}

TEST(Smbios, ThinkPadT490Smbios31_DecodesSystemBoardAndNotebookChassis) {
  const auto dump = read_dmidecode_dump(fixture_bytes("smbios/thinkpad-t490.dmidecode.bin"));
  const auto info = decode_smbios_table(dump.table, dump.major, dump.minor);
  EXPECT_EQ(info.error, "");
  EXPECT_EQ(info.bios_vendor, "LENOVO");
  EXPECT_EQ(info.bios_version, "N2IET92W (1.70 )");
  EXPECT_EQ(info.sys_vendor, "LENOVO");
  EXPECT_EQ(info.product_name, "20N2CTO1WW");
  EXPECT_EQ(info.product_version, "ThinkPad T490");
  EXPECT_EQ(info.product_serial, "PF1NKFHN");
  EXPECT_EQ(info.product_uuid, "0677d5cc-25b1-11b2-a85c-c66e0b64b3d5");
  EXPECT_EQ(info.board_serial, "L1HF93508A3");
  EXPECT_EQ(info.chassis_vendor, "LENOVO");
  EXPECT_EQ(info.chassis_type, 10u);  // dmidecode: "Notebook"
}

TEST(Smbios, SatelliteProSmbios27_UuidUsesLittleEndianFields) {
  const auto dump = read_dmidecode_dump(fixture_bytes("smbios/satellite-pro-l70.dmidecode.bin"));
  ASSERT_EQ(dump.major, 2u);
  ASSERT_EQ(dump.minor, 7u);
  const auto info = decode_smbios_table(dump.table, dump.major, dump.minor);
  EXPECT_EQ(info.error, "");
  EXPECT_EQ(info.sys_vendor, "TOSHIBA");
  EXPECT_EQ(info.product_name, "SATELLITE PRO L70-A");
  EXPECT_EQ(info.product_serial, "XD198915C");
  EXPECT_EQ(info.product_uuid, "b560f4a0-4048-11e3-8b6a-089e01ee6336");
  EXPECT_EQ(info.chassis_type, 10u);
}

TEST(Smbios, TableBeforeVersion26_KeepsUuidFieldsBigEndian) {
  const auto dump = read_dmidecode_dump(fixture_bytes("smbios/satellite-pro-l70.dmidecode.bin"));
  const auto info = decode_smbios_table(dump.table, 2, 5);
  EXPECT_EQ(info.product_uuid, "a0f460b5-4840-e311-8b6a-089e01ee6336");
}

TEST(Smbios, TruncatedTable_SaysWhereAndKeepsWhatWasDecoded) {
  auto blob = fixture_bytes("smbios/surface-laptop-3.rsmb");
  const auto full = decode_smbios_rsmb(blob);
  blob.resize(blob.size() - 300);
  const auto info = decode_smbios_rsmb(blob);
  EXPECT_NE(info.error.find("RSMB blob: header says 1071 table bytes, 771 follow"), std::string::npos) << info.error;
  EXPECT_EQ(info.bios_vendor, "Microsoft Corporation");  // type 0 comes first
  EXPECT_LT(info.structures, full.structures);
}

TEST(Smbios, StructureShorterThanItsHeader_IsAnErrorNotACrash) {
  const std::vector<uint8_t> table = {1, 2, 0, 0};  // type 1 claiming 2 bytes
  const auto info = decode_smbios_table(table, 3, 0);
  EXPECT_EQ(info.error, "structure 0 at offset 0x0: length 2, minimum 4");
}

TEST(Smbios, StringIndexPastTheStringSet_IsEmpty) {
  // type 1, length 8: manufacturer = string 1, product = string 3 (absent).
  const std::vector<uint8_t> table = {1, 8, 0, 0, 1, 3, 0, 0, 'A', 'c', 'm', 'e', 0, 0, 127, 4, 1, 0, 0, 0};
  const auto info = decode_smbios_table(table, 3, 0);
  EXPECT_EQ(info.error, "");
  EXPECT_EQ(info.sys_vendor, "Acme");
  EXPECT_EQ(info.product_name, "");
  EXPECT_EQ(info.structures, 2u);
}

TEST(Smbios, StringSetWithoutDoubleNul_IsReported) {
  const std::vector<uint8_t> table = {1, 8, 0, 0, 1, 0, 0, 0, 'A', 'c', 'm', 'e'};
  const auto info = decode_smbios_table(table, 3, 0);
  EXPECT_EQ(info.error, "structure 0 at offset 0x0 (type 1): string set not closed by a double NUL before the table ends");
}

}  // namespace
