#include "platform/decode/edid.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <string_view>

#include "platform/decode/pnp_ids.h"

namespace telltale::decode {
namespace {

constexpr size_t kBlock = 128;
constexpr std::array<uint8_t, 8> kHeader{0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
constexpr size_t kDescriptorOffsets[] = {54, 72, 90, 108};

std::string hex_byte(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

void add_error(telltale::v1::Edid& e, const std::string& message) {
  if (!e.error().empty()) e.mutable_error()->append("; ");
  e.mutable_error()->append(message);
}

// Display descriptor text (VESA E-EDID 1.4 §3.10.3): up to 13 bytes, ended by
// 0x0A and padded with spaces. Real devices also pad with NUL, 0xFF, 0xA0 or
// CR; like edid-decode the string ends at the first LF, NUL or 0xFF, and the
// trailing pad bytes are dropped so a catalog match does not depend on which
// padding a dongle chose. Anything else outside printable ASCII is shown as
// \xNN: the bytes come from the device and must neither break UTF-8 nor pass
// through unseen.
std::string descriptor_text(std::span<const uint8_t> bytes) {
  std::string text;
  size_t kept = 0;  // length of text up to the last byte that is not padding
  for (uint8_t b : bytes) {
    if (b == 0x0A || b == 0x00 || b == 0xFF) break;
    if (b >= 0x20 && b < 0x7F) {
      text.push_back(static_cast<char>(b));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      text += buf;
    }
    if (b != ' ' && b != 0xA0 && b != 0x0D) kept = text.size();
  }
  text.resize(kept);
  return text;
}

std::string joined(const google::protobuf::RepeatedPtrField<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    out += p;
  }
  return out;
}

// HDMI Forum EDID Extension Override Data Block (HDMI 2.1 §10.3.6): when the
// first extension is a CTA-861 block whose first data block is the HF-EEODB,
// its count replaces byte 126, so a sink can announce more than 255 blocks or
// keep byte 126 at 1 for old sources that only read two. Returns 0 when absent.
unsigned eeodb_count(std::span<const uint8_t> raw) {
  if (raw.size() < 2 * kBlock) return 0;
  auto cta = raw.subspan(kBlock, kBlock);
  if (cta[0] != 0x02 || cta[1] < 3) return 0;
  const size_t dtd_start = std::min<size_t>(cta[2], 127);
  // The spec places it first; any position is accepted, as a misplaced block still announces the blocks.
  for (size_t i = 4; i < dtd_start;) {
    const unsigned tag = cta[i] >> 5, len = cta[i] & 0x1F;
    if (i + 2 >= kBlock) break;
    if (tag == 7 && len >= 2 && cta[i + 1] == 0x78) return cta[i + 2];
    i += len + 1;
  }
  return 0;
}

// Three 5-bit letters, 1 = 'A'. Codes 0 and 27–31 are not letters; they are
// printed as edid-decode prints them ('@' + code: "@", "[", "\\", "]", "^",
// "_") because real monitors ship them (e.g. "MS_"), so the id stays the one
// every other tool shows. Only the reserved bit 15 makes the id malformed.
std::string pnp_letters(uint8_t hi, uint8_t lo, std::string& problem) {
  const uint16_t packed = static_cast<uint16_t>(hi << 8 | lo);
  std::string id;
  for (int i = 0; i < 3; ++i) id.push_back(static_cast<char>('@' + ((packed >> (10 - 5 * i)) & 0x1F)));
  if (packed & 0x8000) problem = "PNP id reserved bit 15 is set";
  return id;
}

// Detailed timing descriptor (18 bytes, pixel clock != 0).
void decode_timing(std::span<const uint8_t> d, telltale::v1::DisplayMode& mode) {
  const uint64_t clock_khz = static_cast<uint64_t>(d[0] | d[1] << 8) * 10;
  const uint32_t h_active = d[2] | (d[4] & 0xF0) << 4;
  const uint32_t h_blank = d[3] | (d[4] & 0x0F) << 8;
  const uint32_t v_active = d[5] | (d[7] & 0xF0) << 4;
  const uint32_t v_blank = d[6] | (d[7] & 0x0F) << 8;
  const bool interlaced = d[17] & 0x80;
  mode.set_width(h_active);
  mode.set_height(interlaced ? v_active * 2 : v_active);
  mode.set_pixel_clock_khz(clock_khz);
  const uint64_t total = static_cast<uint64_t>(h_active + h_blank) * (v_active + v_blank);
  // Field rate for interlaced modes, as the descriptor's totals describe a field.
  if (total > 0) mode.set_refresh_millihz(static_cast<uint32_t>((clock_khz * 1000 * 1000 + total / 2) / total));
}

}  // namespace

telltale::v1::Edid decode_edid(std::span<const uint8_t> raw) {
  telltale::v1::Edid e;
  bool structurally_ok = true;

  if (raw.empty()) {
    add_error(e, "empty");
    e.set_valid(false);
    return e;
  }
  if (raw.size() % kBlock != 0) {
    add_error(e, std::to_string(raw.size()) + " bytes, expected a multiple of 128");
    structurally_ok = false;
  } else if (raw.size() >= kBlock) {
    // With an EEODB both lengths are right: all the blocks it announces, or
    // the byte-126 count a source without EEODB support (Linux before 6.0,
    // most capture tools) reads — what linuxhw/EDID holds for HDMI 2.1 TVs.
    const unsigned eeodb = eeodb_count(raw);
    e.set_eeodb_extension_count(eeodb);
    const unsigned present = raw.size() / kBlock - 1, claimed = raw[126];
    if (present != claimed && (eeodb == 0 || present != eeodb)) {
      add_error(e, std::to_string(raw.size()) + " bytes but byte 126 says " + std::to_string(claimed) +
                       (claimed == 1 ? " extension" : " extensions") +
                       (eeodb ? " and the HDMI Forum EEODB " + std::to_string(eeodb) : ""));
      structurally_ok = false;
    }
  }

  if (raw.size() >= kHeader.size()) {
    if (!std::equal(kHeader.begin(), kHeader.end(), raw.begin())) {
      std::string seen;
      for (size_t i = 0; i < kHeader.size(); ++i) {
        char buf[4];
        std::snprintf(buf, sizeof buf, i ? " %02X" : "%02X", raw[i]);
        seen += buf;
      }
      add_error(e, "header " + seen + ", expected 00 FF FF FF FF FF FF 00");
      structurally_ok = false;
    }
  } else {
    add_error(e, "too short for the header");
    structurally_ok = false;
  }

  // Checksum of every complete block (a partial block cannot be checked).
  bool checksum_ok = raw.size() >= kBlock;
  for (size_t block = 0; (block + 1) * kBlock <= raw.size(); ++block) {
    uint8_t sum = 0;
    for (size_t i = block * kBlock; i < (block + 1) * kBlock; ++i) sum = static_cast<uint8_t>(sum + raw[i]);
    if (sum != 0) {
      const uint8_t stored = raw[block * kBlock + 127];
      const uint8_t expected = static_cast<uint8_t>(stored - sum);
      add_error(e, "block " + std::to_string(block) + " checksum " + hex_byte(stored) + ", expected " + hex_byte(expected));
      checksum_ok = false;
    }
  }
  e.set_checksum_ok(checksum_ok);

  if (raw.size() >= 10) {
    std::string problem;
    e.set_pnp_id(pnp_letters(raw[8], raw[9], problem));
    if (!problem.empty()) {
      add_error(e, problem);
      structurally_ok = false;
    }
    if (auto name = pnp_vendor_name(e.pnp_id())) {
      e.set_pnp_registered(true);
      e.set_pnp_vendor_name(std::string(*name));
    }
  }
  if (raw.size() >= 12) e.set_product_code(raw[10] | raw[11] << 8);
  if (raw.size() >= 16)
    e.set_serial_number(static_cast<uint32_t>(raw[12]) | static_cast<uint32_t>(raw[13]) << 8 |
                        static_cast<uint32_t>(raw[14]) << 16 | static_cast<uint32_t>(raw[15]) << 24);
  if (raw.size() >= 18) {
    e.set_week(raw[16]);
    e.set_year(1990u + raw[17]);
  }
  if (raw.size() >= 20) e.set_version(std::to_string(raw[18]) + "." + std::to_string(raw[19]));
  if (raw.size() >= 23) {
    e.set_digital(raw[20] & 0x80);
    e.set_width_cm(raw[21]);
    e.set_height_cm(raw[22]);
  }

  bool have_preferred = false;
  for (size_t offset : kDescriptorOffsets) {
    if (raw.size() < offset + 18) break;
    auto d = raw.subspan(offset, 18);
    if (d[0] != 0 || d[1] != 0) {
      // The first detailed timing is the preferred mode (EDID 1.3+ requires it first).
      if (!have_preferred) {
        decode_timing(d, *e.mutable_preferred_mode());
        have_preferred = true;
      }
      continue;
    }
    const auto text = descriptor_text(d.subspan(5, 13));
    switch (d[3]) {
      // Each descriptor is its own string (edid-decode shows them apart); some
      // makers split a long name over two, so monitor_name joins them with a space.
      case 0xFC: e.add_monitor_names(text); break;
      case 0xFF: e.add_serial_strings(text); break;
      // Laptop panels carry two 0xFE strings: the panel maker, then the model.
      case 0xFE:
        if (!e.text().empty() && !text.empty()) e.mutable_text()->push_back(' ');
        e.mutable_text()->append(text);
        break;
      default: break;
    }
  }
  e.set_monitor_name(joined(e.monitor_names()));
  e.set_serial_string(joined(e.serial_strings()));
  if (raw.size() >= kBlock) e.set_extension_count(e.eeodb_extension_count() ? e.eeodb_extension_count() : raw[126]);

  e.set_valid(structurally_ok && checksum_ok);
  return e;
}

}  // namespace telltale::decode
