#pragma once
// What a console password must be (docs/CONSOLE.md "Passwords"): at least 12
// characters counted as Unicode code points, not the password it replaces
// (so not the one-time password), not one character repeated, not the user
// name, and not on the embedded list of common long passwords.
#include <optional>
#include <string>
#include <string_view>

namespace telltale::server::console {

inline constexpr size_t kMinPasswordChars = 12;
inline constexpr size_t kMaxPasswordBytes = 1024;

// Code points in s, or nullopt when s is not valid UTF-8 (overlong forms and
// surrogates included).
std::optional<size_t> utf8_length(std::string_view s);

// Why the password is refused, or nullopt when it is acceptable.
std::optional<std::string> password_problem(std::string_view candidate, std::string_view current_password,
                                            std::string_view username);

// The embedded common-password list (lower case); common_passwords.cpp says where it comes from.
bool is_common_password(std::string_view lower_case);
size_t common_password_count();

}  // namespace telltale::server::console
