#include "server/console/password_policy.h"

#include <algorithm>
#include <cctype>

namespace telltale::server::console {

std::optional<size_t> utf8_length(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (b < 0x80) len = 1, cp = b;
    else if ((b & 0xe0) == 0xc0) len = 2, cp = b & 0x1f;
    else if ((b & 0xf0) == 0xe0) len = 3, cp = b & 0x0f;
    else if ((b & 0xf8) == 0xf0) len = 4, cp = b & 0x07;
    else return std::nullopt;
    if (i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3f);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    i += len;
  }
  return count;
}

namespace {
std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// True when every code point equals the first (12 spaces, "€€€€€€€€€€€€").
bool one_repeated_character(std::string_view s) {
  if (s.empty()) return true;
  const auto b = static_cast<unsigned char>(s[0]);
  const size_t len = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : 4;
  if (s.size() % len != 0) return false;
  for (size_t i = len; i < s.size(); i += len)
    if (s.substr(i, len) != s.substr(0, len)) return false;
  return true;
}
}  // namespace

std::optional<std::string> password_problem(std::string_view candidate, std::string_view current_password,
                                            std::string_view username) {
  if (candidate.size() > kMaxPasswordBytes)
    return "new password: at most " + std::to_string(kMaxPasswordBytes) + " bytes";
  auto chars = utf8_length(candidate);
  if (!chars) return std::string("new password: not valid UTF-8");
  if (*chars < kMinPasswordChars)
    return "new password: at least " + std::to_string(kMinPasswordChars) + " characters, got " + std::to_string(*chars);
  if (candidate == current_password) return std::string("new password: must differ from the current (or one-time) password");
  if (one_repeated_character(candidate)) return std::string("new password: one character repeated is not a password");
  const std::string lower = ascii_lower(candidate);
  if (lower == ascii_lower(username)) return std::string("new password: must not be the user name");
  if (is_common_password(lower)) return std::string("new password: on the list of common passwords");
  return std::nullopt;
}

}  // namespace telltale::server::console
