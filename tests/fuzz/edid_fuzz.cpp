// fuzz-links: telltale_decode
// EDID bytes come from whatever is plugged into HDMI: a hostile KVM controls
// every one of them. The decoder must never crash, and must not call an EDID
// valid unless length, header and every block checksum hold.
#include <cstddef>
#include <cstdint>
#include <span>

#include "platform/decode/edid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> raw(data, size);
  const auto e = telltale::decode::decode_edid(raw);
  if (e.valid()) {
    if (size == 0 || size % 128 != 0 || raw[0] != 0x00 || raw[1] != 0xFF || raw[7] != 0x00) __builtin_trap();
    for (size_t b = 0; b < size; b += 128) {
      uint8_t sum = 0;
      for (size_t i = b; i < b + 128; ++i) sum = static_cast<uint8_t>(sum + raw[i]);
      if (sum != 0) __builtin_trap();
    }
    if (!e.error().empty()) __builtin_trap();
  } else if (e.error().empty()) {
    __builtin_trap();
  }
  // Text fields must be printable ASCII (protobuf strings must be UTF-8).
  for (const auto* s : {&e.monitor_name(), &e.serial_string(), &e.text(), &e.pnp_id()})
    for (char c : *s)
      if (c < 0x20 || c > 0x7E) __builtin_trap();
  for (const auto* list : {&e.monitor_names(), &e.serial_strings()})
    for (const auto& s : *list)
      for (char c : s)
        if (c < 0x20 || c > 0x7E) __builtin_trap();
  return 0;
}
