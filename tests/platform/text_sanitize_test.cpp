// clean_field_text(): the per-value rule of the agent's last pass over a
// report (decode/text_sanitize.h), on the strings the hardening issue found.
#include "platform/decode/text_sanitize.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using telltale::decode::clean_field_text;
using telltale::decode::kCutMarker;

constexpr std::string_view kFffd = "\xef\xbf\xbd";

// Code points of valid UTF-8 (the tests only feed it clean output).
size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

std::string utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) out += static_cast<char>(cp);
  else if (cp < 0x800) out += {static_cast<char>(0xc0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3f))};
  else if (cp < 0x10000)
    out += {static_cast<char>(0xe0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3f)),
            static_cast<char>(0x80 | (cp & 0x3f))};
  else
    out += {static_cast<char>(0xf0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3f)),
            static_cast<char>(0x80 | ((cp >> 6) & 0x3f)), static_cast<char>(0x80 | (cp & 0x3f))};
  return out;
}

TEST(CleanFieldText, InputMethodNameWithAStrayByte_ShowsTheReplacementCharacter) {
  EXPECT_EQ(clean_field_text("hangul\xff", 256), "hangul" + std::string(kFffd));
  // Overlong, surrogate, beyond U+10FFFF, truncated sequence: one U+FFFD per bad byte.
  EXPECT_EQ(clean_field_text("\xc0\xaf", 256), std::string(kFffd) + std::string(kFffd));
  EXPECT_EQ(clean_field_text("\xed\xa0\x80", 256), std::string(kFffd) + std::string(kFffd) + std::string(kFffd));
  EXPECT_EQ(clean_field_text("\xf4\x90\x80\x80", 256).find("\xf4"), std::string::npos);
  EXPECT_EQ(clean_field_text("ok\xe2\x80", 256), "ok" + std::string(kFffd) + std::string(kFffd));
}

TEST(CleanFieldText, BidiOverrideInAUsbProductString_IsRemoved) {
  // "Keyboard" spelled backwards behind RIGHT-TO-LEFT OVERRIDE reads "Keyboard" on screen.
  EXPECT_EQ(clean_field_text("Evil\xe2\x80\xae" "draobyeK", 256), "EvildraobyeK");
}

TEST(CleanFieldText, EveryBidiControlZeroWidthAndBom_IsRemoved) {
  const char32_t format_chars[] = {0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
                                   0x200e, 0x200f, 0x061c, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad,
                                   0x180e, 0xe0001};
  for (char32_t cp : format_chars)
    EXPECT_EQ(clean_field_text("a" + utf8(cp) + "b", 256), "ab") << std::hex << static_cast<uint32_t>(cp);
}

TEST(CleanFieldText, ControlCharacters_AreRemovedAndLineBreaksBecomeSpaces) {
  EXPECT_EQ(clean_field_text(std::string("a\0b\x1b[31mc\x7f", 11), 256), "ab[31mc");
  EXPECT_EQ(clean_field_text("line1\nline2\r\tx", 256), "line1 line2  x");
  EXPECT_EQ(clean_field_text("a" + utf8(0x85) + "b" + utf8(0x2028) + "c" + utf8(0x2029), 256), "a b c ");
  EXPECT_EQ(clean_field_text("a" + utf8(0x9b) + "b", 256), "ab");  // C1 CSI
}

TEST(CleanFieldText, NineHundredCharacterProductString_IsCutTo256WithAMarker) {
  const std::string long_product(900, 'A');
  const auto clean = clean_field_text(long_product, 256);
  EXPECT_EQ(code_points(clean), 256u);
  EXPECT_EQ(clean, std::string(255, 'A') + std::string(kCutMarker));
}

TEST(CleanFieldText, CutNeverSplitsAMultiByteCharacter) {
  std::string hangul;
  for (int i = 0; i < 900; ++i) hangul += "\xed\x95\x9c";  // 한
  const auto clean = clean_field_text(hangul, 256);
  EXPECT_EQ(code_points(clean), 256u);
  EXPECT_EQ(clean.size(), 255u * 3 + kCutMarker.size());
  EXPECT_EQ(clean_field_text(clean, 256), clean) << "a cut value passes again unchanged";
  std::string emoji;
  for (int i = 0; i < 300; ++i) emoji += utf8(0x1f600);
  EXPECT_EQ(clean_field_text(emoji, 256).size(), 255u * 4 + kCutMarker.size());
}

TEST(CleanFieldText, CleanTextAtTheCap_PassesUnchanged) {
  const std::string exact(256, 'x');
  EXPECT_EQ(clean_field_text(exact, 256), exact);
  EXPECT_EQ(clean_field_text("Logitech USB Receiver", 256), "Logitech USB Receiver");
  EXPECT_EQ(clean_field_text("Clavier français — 한국어 キーボード", 256), "Clavier français — 한국어 キーボード");
  EXPECT_EQ(clean_field_text("abc", 0), "");
  EXPECT_EQ(clean_field_text("abc", 1), std::string(kCutMarker));
}

}  // namespace
