// fuzz-links: telltale_decode_macos
// What the Mac probes parse is partly device-controlled (USB and HID strings
// and descriptors, EDIDs inside ioreg's answer) and partly user-writable
// (preference plists). The plist reader and every decoder on top of it must
// never crash, and everything they put in a snapshot must be valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/decode/macos/hitoolbox.h"
#include "platform/decode/macos/ioreg.h"
#include "platform/decode/macos/launchctl.h"
#include "platform/decode/macos/plist_value.h"
#include "platform/decode/macos/route_arp.h"
#include "telltale/v1/snapshot.pb.h"

namespace {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

// Serialising checks every string field: protobuf refuses (and logs) invalid UTF-8,
// so round-trip and compare.
template <typename M>
void check(const M& m) {
  std::string bytes;
  if (!m.SerializeToString(&bytes)) __builtin_trap();
  M back;
  if (!back.ParseFromString(bytes)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace dm = telltale::decode::macos;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = dm::parse_plist(text);
  if (parsed.value) {
    dm::IoregDecoded diag;
    for (const auto& d : dm::usb_devices_from_ioreg(*parsed.value, diag)) check(d);
    for (const auto& d : dm::input_devices_from_ioreg(*parsed.value, diag)) check(d);
    for (const auto& d : dm::displays_from_ioreg(*parsed.value, true, diag)) check(d);
    (void)dm::clamshell_closed_from_ioreg(*parsed.value);
    for (const auto& e : diag.errors)
      if (!valid_utf8(e)) __builtin_trap();
    auto sources = dm::parse_hitoolbox(*parsed.value);
    for (const auto& s : sources.sources)
      if (!valid_utf8(s.id()) || !valid_utf8(s.language)) __builtin_trap();
  } else if (parsed.error.empty()) {
    __builtin_trap();
  }
  if (auto route = dm::parse_route_get(text)) (void)route->gateway.size();
  (void)dm::arp_mac_for(text, "192.168.1.1");
  (void)dm::parse_launchctl_print(text, 0);
  return 0;
}
