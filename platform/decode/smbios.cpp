#include "platform/decode/smbios.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "platform/decode/text_sanitize.h"

namespace telltale::decode {
namespace {

std::string hex_offset(size_t offset) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%zx", offset);
  return buf;
}

// One structure: its formatted area and the strings that follow it.
struct Structure {
  std::span<const uint8_t> formatted;
  std::vector<std::string_view> strings;

  uint8_t byte(size_t at) const { return at < formatted.size() ? formatted[at] : 0; }
  std::string string_at(size_t at) const {
    const uint8_t index = byte(at);
    if (index == 0 || index > strings.size()) return "";
    std::string_view s = strings[index - 1];
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
    return sanitize_utf8(s);
  }
};

}  // namespace

std::string smbios_uuid(std::span<const uint8_t, 16> raw, uint32_t major, uint32_t minor) {
  const bool all_ff = std::all_of(raw.begin(), raw.end(), [](uint8_t b) { return b == 0xFF; });
  const bool all_00 = std::all_of(raw.begin(), raw.end(), [](uint8_t b) { return b == 0x00; });
  if (all_ff || all_00) return "";  // "not present" / "not settable" (7.2.1)
  const bool little = major > 2 || (major == 2 && minor >= 6);
  static constexpr int kLittleOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  std::string out;
  char buf[3];
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(buf, sizeof buf, "%02x", raw[little ? kLittleOrder[i] : i]);
    out += buf;
  }
  return out;
}

SmbiosInfo decode_smbios_table(std::span<const uint8_t> table, uint32_t major, uint32_t minor) {
  SmbiosInfo info;
  info.major = major;
  info.minor = minor;
  bool seen[4] = {false, false, false, false};
  size_t pos = 0;
  while (pos < table.size()) {
    const size_t start = pos;
    const std::string where = "structure " + std::to_string(info.structures) + " at offset " + hex_offset(start);
    if (table.size() - pos < 4) {
      info.error = where + ": " + std::to_string(table.size() - pos) + " bytes left, a header needs 4";
      return info;
    }
    const uint8_t type = table[pos];
    const uint8_t length = table[pos + 1];
    if (length < 4) {
      info.error = where + ": length " + std::to_string(length) + ", minimum 4";
      return info;
    }
    if (table.size() - pos < length) {
      info.error = where + ": length " + std::to_string(length) + ", " + std::to_string(table.size() - pos) +
                   " bytes left in the table";
      return info;
    }
    Structure s{table.subspan(pos, length), {}};
    pos += length;
    // The string set ends with two NULs; a structure without strings is
    // followed by exactly two NULs too (6.1.3).
    if (type == 127) {  // end-of-table (7.45): nothing after it matters
      ++info.structures;
      break;
    }
    if (pos + 1 < table.size() && table[pos] == 0 && table[pos + 1] == 0) {
      pos += 2;
    } else {
      bool terminated = false;
      while (pos < table.size()) {
        const auto* begin = table.data() + pos;
        const auto* nul = std::find(begin, table.data() + table.size(), uint8_t{0});
        if (nul == table.data() + table.size()) break;
        s.strings.emplace_back(reinterpret_cast<const char*>(begin), size_t(nul - begin));
        pos = size_t(nul - table.data()) + 1;
        if (pos < table.size() && table[pos] == 0) {
          ++pos;
          terminated = true;
          break;
        }
      }
      if (!terminated) {
        info.error = where + " (type " + std::to_string(type) +
                     "): string set not closed by a double NUL before the table ends";
        return info;
      }
    }
    ++info.structures;
    if (type > 3 || seen[type]) continue;  // the first structure of each type describes the machine
    seen[type] = true;
    switch (type) {
      case 0:
        info.bios_vendor = s.string_at(0x04);
        info.bios_version = s.string_at(0x05);
        break;
      case 1:
        info.sys_vendor = s.string_at(0x04);
        info.product_name = s.string_at(0x05);
        info.product_version = s.string_at(0x06);
        info.product_serial = s.string_at(0x07);
        if (s.formatted.size() >= 0x18) info.product_uuid = smbios_uuid(s.formatted.subspan(0x08).first<16>(), major, minor);
        info.product_sku = s.string_at(0x19);
        info.product_family = s.string_at(0x1A);
        break;
      case 2:
        info.board_vendor = s.string_at(0x04);
        info.board_name = s.string_at(0x05);
        info.board_serial = s.string_at(0x07);
        break;
      case 3:
        info.chassis_vendor = s.string_at(0x04);
        info.chassis_type = s.byte(0x05) & 0x7F;  // bit 7: chassis lock present
        info.chassis_serial = s.string_at(0x07);
        break;
    }
  }
  return info;
}

SmbiosInfo decode_smbios_rsmb(std::span<const uint8_t> blob) {
  if (blob.size() < 8) {
    SmbiosInfo info;
    info.error = "RSMB blob: " + std::to_string(blob.size()) + " bytes, the RawSMBIOSData header needs 8";
    return info;
  }
  const uint32_t length = uint32_t(blob[4]) | uint32_t(blob[5]) << 8 | uint32_t(blob[6]) << 16 | uint32_t(blob[7]) << 24;
  const auto available = blob.size() - 8;
  auto info = decode_smbios_table(blob.subspan(8, std::min<size_t>(length, available)), blob[1], blob[2]);
  if (length > available)
    info.error = "RSMB blob: header says " + std::to_string(length) + " table bytes, " + std::to_string(available) +
                 " follow" + (info.error.empty() ? "" : "; " + info.error);
  return info;
}

}  // namespace telltale::decode
