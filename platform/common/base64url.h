#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace telltale {

// RFC 4648 §5 alphabet, no padding: safe in tokens, file names and URLs.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace telltale
