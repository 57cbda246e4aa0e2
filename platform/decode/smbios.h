#pragma once
// SMBIOS structure table decoder (DMTF DSP0134 3.x) for what the hardware
// probe reports: BIOS (type 0), system (1), baseboard (2), chassis (3).
// On Windows the table arrives as the GetSystemFirmwareTable('RSMB') blob
// (RawSMBIOSData: calling method, major, minor, DMI revision, u32 length,
// then the table); decode_smbios_table() takes the bare table so the same
// code serves a Linux dump. Pure: bytes in, fields out.
#include <cstdint>
#include <span>
#include <string>

namespace telltale::decode {

struct SmbiosInfo {
  uint32_t major = 0;  // SMBIOS version of the table
  uint32_t minor = 0;
  std::string bios_vendor;      // type 0
  std::string bios_version;
  std::string sys_vendor;       // type 1
  std::string product_name;
  std::string product_version;
  std::string product_serial;
  std::string product_uuid;     // lower-case 8-4-4-4-12; "" when all 00 or all FF
  std::string product_sku;
  std::string product_family;
  std::string board_vendor;     // type 2
  std::string board_name;
  std::string board_serial;
  std::string chassis_vendor;   // type 3
  uint32_t chassis_type = 0;    // 7.4.1 code, lock bit removed (10 notebook, 9 laptop…)
  std::string chassis_serial;
  uint32_t structures = 0;      // structures walked
  // Why the table could not be read to its end ("structure 5 at offset 0x1a2:
  // length 2, minimum 4"); what was decoded before that is kept.
  std::string error;
};

// Strings are as the firmware wrote them minus trailing spaces, made valid
// UTF-8; an absent (index 0) or out-of-range string is "".
SmbiosInfo decode_smbios_table(std::span<const uint8_t> table, uint32_t major, uint32_t minor);

// The RSMB blob: header checked against the bytes that follow it.
SmbiosInfo decode_smbios_rsmb(std::span<const uint8_t> blob);

// SMBIOS 2.6 and later store the first three UUID fields little-endian
// (7.2.1); earlier tables big-endian. 16 bytes in.
std::string smbios_uuid(std::span<const uint8_t, 16> raw, uint32_t major, uint32_t minor);

}  // namespace telltale::decode
