// fuzz-links: telltale_decode
// sysfs attribute values from fixture trees, hostile roots or odd drivers:
// the parsers must reject what is not a number, never crash, never accept trailing junk.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/decode/sysfs_values.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace telltale::decode;
  const auto trimmed = trim(text);
  if (trimmed.size() > text.size()) __builtin_trap();
  if (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.back() == '\n')) __builtin_trap();
  if (auto v = parse_hex(text)) {
    if (trimmed.empty()) __builtin_trap();
  }
  if (auto v = parse_decimal(text)) {
    for (char c : trimmed)
      if (c < '0' || c > '9') __builtin_trap();
  }
  if (auto ma = parse_milliamps(text)) {
    if (!trimmed.ends_with("mA")) __builtin_trap();
  }
  return 0;
}
