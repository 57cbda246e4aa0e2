// Hardware from a real Windows RSMB blob, and the live API under Wine.
#include <gtest/gtest.h>

#include "platform/decode/smbios.h"
#include "platform/windows/hardware.h"
#include "recorded_sources.h"

namespace {

using namespace telltale::platform::windows_probe;

TEST(WindowsHardwareProbe, SurfaceLaptop3Firmware_IsALaptopWithSerials) {
  telltale::testing::RecordedFirmware firmware(telltale::testing::fixture_bytes("smbios/surface-laptop-3.rsmb"));
  telltale::v1::Snapshot s;
  HardwareProbe(firmware).collect({}, s);
  const auto& hw = s.hardware();
  EXPECT_EQ(hw.sys_vendor(), "Microsoft Corporation");
  EXPECT_EQ(hw.product_name(), "Surface Laptop 3");
  EXPECT_EQ(hw.product_serial(), "023078193757");
  EXPECT_EQ(hw.product_uuid(), "4ee6523f-d56a-f3ea-8e2a-891cf96286ea");
  EXPECT_EQ(hw.board_serial(), "A009250100J1939A");
  EXPECT_EQ(hw.chassis_type(), 9u);
  EXPECT_EQ(hw.chassis_kind(), "laptop");
  EXPECT_FALSE(hw.vm().is_virtual());
  EXPECT_GT(hw.cpu_count(), 0u);
  EXPECT_GT(hw.memory_bytes(), 0u);
  EXPECT_FALSE(hw.hostname().empty());
  for (const auto& e : s.errors()) ADD_FAILURE() << e.path() << ": " << e.message();
}

TEST(WindowsHardwareProbe, TruncatedFirmwareTable_IsReportedWithWhatDecoded) {
  auto blob = telltale::testing::fixture_bytes("smbios/surface-laptop-3.rsmb");
  blob.resize(blob.size() - 300);
  telltale::testing::RecordedFirmware firmware(blob);
  telltale::v1::Snapshot s;
  HardwareProbe(firmware).collect({}, s);
  EXPECT_EQ(s.hardware().bios_vendor(), "Microsoft Corporation");
  bool reported = false;
  for (const auto& e : s.errors())
    reported = reported || (e.path() == "GetSystemFirmwareTable(RSMB)" && e.message().find("RSMB blob: header says 1071") == 0);
  EXPECT_TRUE(reported);
}

TEST(WindowsHardwareProbe, LiveFirmwareTableUnderWine_Decodes) {
  // Wine builds the RSMB table from the host's DMI (empty strings on a host
  // without one): the real call path and the decoder must agree on its layout.
  SystemFirmware firmware;
  std::string error;
  const auto blob = firmware.smbios(error);
  ASSERT_TRUE(blob) << error;
  const auto info = telltale::decode::decode_smbios_rsmb(*blob);
  EXPECT_EQ(info.error, "");
  EXPECT_GT(info.structures, 1u);
}

}  // namespace
