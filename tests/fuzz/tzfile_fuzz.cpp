// fuzz-links: telltale_decode
// TZif files and POSIX TZ strings: any bytes must parse or be refused with a
// reason, and a parsed file must answer local_time_at for any instant.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/decode/tzfile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = telltale::decode::parse_tzif(std::span<const uint8_t>(data, size));
  if (r.tz) {
    for (int64_t t : {INT64_MIN / 2, int64_t{-1}, int64_t{0}, int64_t{1768478400}, int64_t{4102444800}, INT64_MAX / 4})
      (void)telltale::decode::local_time_at(*r.tz, t);
  } else if (r.error.empty()) {
    __builtin_trap();  // a refusal must say why
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto posix = telltale::decode::parse_posix_tz(text.substr(0, 128)))
    for (int64_t t : {int64_t{-2208988800}, int64_t{0}, int64_t{1784116800}, int64_t{253402300799}})
      (void)telltale::decode::local_time_at(*posix, t);
  return 0;
}
