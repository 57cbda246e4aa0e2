#pragma once
// Strings read from devices end up in protobuf string fields (which must be
// valid UTF-8) and in log lines and error messages (which must stay one line).
// A hostile or corrupt attribute file must not break either.
#include <cstddef>
#include <string>
#include <string_view>

namespace telltale::decode {

// Valid UTF-8 kept as is; each invalid byte becomes U+FFFD; ASCII control
// characters (other than tab) are dropped.
std::string sanitize_utf8(std::string_view text);

// For error messages: printable ASCII kept, everything else as \xNN, cut at
// max_bytes of input with "…" appended.
std::string printable(std::string_view text, size_t max_bytes = 40);

}  // namespace telltale::decode
