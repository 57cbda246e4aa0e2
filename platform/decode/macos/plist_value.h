#pragma once
// Property lists (XML or binary) as a plain value tree. macOS exposes the I/O
// Registry (`ioreg -a`), preferences (~/Library/Preferences/*.plist) and
// bundle Info.plist files in this format; the tree keeps the decoders that
// read them free of libplist's C API and of macOS.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telltale::decode::macos {

struct PlistValue {
  enum class Kind { kNone, kBool, kInteger, kReal, kString, kData, kDate, kArray, kDict, kUid };
  Kind kind = Kind::kNone;
  bool boolean = false;
  // libplist 2.2 hands every integer back as uint64; the bit pattern is kept
  // and as_int() reads it as signed (keyboard layout ids are negative).
  uint64_t integer = 0;
  double real = 0;
  std::string text;            // kString
  std::vector<uint8_t> bytes;  // kData
  std::vector<PlistValue> array;
  // Dictionary members in file order, as parallel vectors: a vector of an
  // incomplete type is fine since C++17, a pair holding one is not (clang/libc++).
  std::vector<std::string> keys;
  std::vector<PlistValue> values;

  // Member of a dict, nullptr when absent or when this is not a dict.
  const PlistValue* get(std::string_view key) const;
  std::optional<int64_t> as_int() const;
  std::optional<uint64_t> as_uint() const;
  std::optional<std::string> as_string() const;
  std::optional<bool> as_bool() const;
  const std::vector<uint8_t>* as_data() const;

  // Conveniences for dict members.
  std::optional<int64_t> int_at(std::string_view key) const;
  std::optional<std::string> string_at(std::string_view key) const;
  std::optional<bool> bool_at(std::string_view key) const;
};

struct PlistParseResult {
  std::optional<PlistValue> value;
  std::string error;  // why value is unset, e.g. "not an XML or binary property list (412 bytes)"
};

// Parses an XML or binary plist. Nesting deeper than kMaxPlistDepth is refused.
inline constexpr int kMaxPlistDepth = 256;
PlistParseResult parse_plist(std::string_view bytes);

}  // namespace telltale::decode::macos
