#pragma once
// Reads a `dmidecode --dump-bin` file (entry point at 0, table where the
// entry point says, which dump-bin sets to 0x20) into the bare table and its
// SMBIOS version, and wraps a Windows RSMB blob the other way so Debian's
// dmidecode can read it as a reference.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace telltale::testing {

struct SmbiosDump {
  std::vector<uint8_t> table;
  uint32_t major = 0;
  uint32_t minor = 0;
};

inline uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t(b.at(at)) | uint32_t(b.at(at + 1)) << 8 | uint32_t(b.at(at + 2)) << 16 | uint32_t(b.at(at + 3)) << 24;
}

inline SmbiosDump read_dmidecode_dump(const std::vector<uint8_t>& dump) {
  SmbiosDump out;
  size_t address = 0, length = 0;
  if (dump.size() >= 24 && std::memcmp(dump.data(), "_SM3_", 5) == 0) {
    out.major = dump[7];
    out.minor = dump[8];
    length = le32(dump, 12);  // maximum size: the table may end earlier at type 127
    address = le32(dump, 16);
  } else if (dump.size() >= 0x1F && std::memcmp(dump.data(), "_SM_", 4) == 0) {
    out.major = dump[6];
    out.minor = dump[7];
    length = size_t(dump[0x16]) | size_t(dump[0x17]) << 8;
    address = le32(dump, 0x18);
  } else {
    throw std::runtime_error("not a dmidecode dump: no _SM_ or _SM3_ entry point");
  }
  if (address > dump.size()) throw std::runtime_error("dump: table address past the end");
  length = std::min(length, dump.size() - address);
  out.table.assign(dump.begin() + long(address), dump.begin() + long(address + length));
  return out;
}

// RawSMBIOSData → a dump-bin file with a 64-bit (_SM3_) entry point.
inline std::vector<uint8_t> dmidecode_dump_from_rsmb(const std::vector<uint8_t>& rsmb) {
  const uint32_t length = le32(rsmb, 4);
  std::vector<uint8_t> out(0x20, 0);
  std::memcpy(out.data(), "_SM3_", 5);
  out[6] = 0x18;
  out[7] = rsmb.at(1);
  out[8] = rsmb.at(2);
  out[10] = 1;  // entry point revision 3.0
  for (int i = 0; i < 4; ++i) out[12 + i] = uint8_t(length >> (8 * i));
  out[16] = 0x20;
  uint8_t sum = 0;
  for (size_t i = 0; i < 0x18; ++i) sum = uint8_t(sum + out[i]);
  out[5] = uint8_t(-sum);
  out.insert(out.end(), rsmb.begin() + 8, rsmb.begin() + 8 + long(length));
  return out;
}

}  // namespace telltale::testing
