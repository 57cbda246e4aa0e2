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

// One line of device text for a report field, safe to show to a person:
//  - each invalid UTF-8 byte becomes U+FFFD (as sanitize_utf8);
//  - tab, CR, LF, VT, FF, U+0085, U+2028 and U+2029 become a space (the field
//    is one line; words stay apart);
//  - every other C0/C1 control and DEL is removed;
//  - every format character (Unicode category Cf: the bidi embeddings,
//    overrides and isolates U+202A-202E/U+2066-2069, the marks U+200E/U+200F/
//    U+061C, zero-width space/joiners, U+FEFF, soft hyphen…) is removed, so a
//    device name cannot reorder what an investigator reads around it;
//  - more than max_code_points code points: the first max_code_points - 1 are
//    kept and "…" (U+2026) appended; a UTF-8 sequence is never split.
// The result is valid UTF-8 of at most max_code_points code points (4 bytes
// each at most). Idempotent: clean_field_text(clean_field_text(x)) ==
// clean_field_text(x).
std::string clean_field_text(std::string_view text, size_t max_code_points);

// The marker appended to a cut string.
inline constexpr std::string_view kCutMarker = "\xe2\x80\xa6";

// For error messages: printable ASCII kept, everything else as \xNN, cut at
// max_bytes of input with "…" appended.
std::string printable(std::string_view text, size_t max_bytes = 40);

}  // namespace telltale::decode
