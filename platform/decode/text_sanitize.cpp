#include "platform/decode/text_sanitize.h"


#include <algorithm>
#include <cstdint>

namespace telltale::decode {

namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t utf8_sequence_length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  uint8_t b0 = byte(i);
  size_t len;
  uint32_t cp;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) { len = 2; cp = b0 & 0x1f; }
  else if (b0 >= 0xe0 && b0 <= 0xef) { len = 3; cp = b0 & 0x0f; }
  else if (b0 >= 0xf0 && b0 <= 0xf4) { len = 4; cp = b0 & 0x07; }
  else return 0;
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    uint8_t b = byte(i + k);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

uint32_t decode_code_point(std::string_view text, size_t i, size_t len) {
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(text[i + k])); };
  switch (len) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1f) << 6) | (b(1) & 0x3f);
    case 3: return ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) | (b(3) & 0x3f);
  }
}

bool breaks_line(uint32_t cp) {
  return cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x0b || cp == 0x0c || cp == 0x85 || cp == 0x2028 ||
         cp == 0x2029;
}

struct CodePointRange {
  uint32_t first, last;
};
#include "platform/decode/format_chars_table.inc"

bool is_format_char(uint32_t cp) {
  auto it = std::upper_bound(std::begin(kFormatChars), std::end(kFormatChars), cp,
                             [](uint32_t c, const CodePointRange& r) { return c < r.first; });
  return it != std::begin(kFormatChars) && cp <= std::prev(it)->last;
}

// Removed outright: C0/C1 controls and DEL, and format characters. The
// format category comes from the Unicode Character Database as Debian ships
// it (generated at build time by format_chars_table.cmake) rather than a
// hand-kept list, so a Unicode update that adds one is picked up with the package.
bool removed(uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return true;
  return cp >= 0xa0 && is_format_char(cp);
}

}  // namespace

std::string clean_field_text(std::string_view text, size_t max_code_points) {
  static constexpr std::string_view kReplacement = "\xef\xbf\xbd";
  // Pieces (each one code point's UTF-8) of the cleaned text; cutting then
  // happens on a piece boundary, never inside a sequence.
  std::string out;
  out.reserve(std::min(text.size(), max_code_points * 4));
  size_t code_points = 0;
  size_t keep_bytes = 0;  // length of out after max_code_points - 1 code points
  auto push = [&](std::string_view piece) {
    if (code_points + 1 == max_code_points) keep_bytes = out.size();
    ++code_points;
    if (code_points <= max_code_points) out.append(piece);
  };
  for (size_t i = 0; i < text.size() && code_points <= max_code_points;) {
    size_t len = utf8_sequence_length(text, i);
    if (len == 0) {
      push(kReplacement);
      ++i;
      continue;
    }
    const uint32_t cp = decode_code_point(text, i, len);
    if (breaks_line(cp)) push(" ");
    else if (!removed(cp)) push(text.substr(i, len));
    i += len;
  }
  if (code_points > max_code_points) {
    if (max_code_points == 0) return {};
    out.resize(keep_bytes);
    out.append(kCutMarker);
  }
  return out;
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t len = utf8_sequence_length(text, i);
    if (len == 0) {
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    auto c = static_cast<unsigned char>(text[i]);
    if (len == 1 && ((c < 0x20 && c != '\t') || c == 0x7f)) {
      ++i;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string printable(std::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  bool cut = text.size() > max_bytes;
  if (cut) text = text.substr(0, max_bytes);
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (cut) out += "…";
  return out;
}

}  // namespace telltale::decode
