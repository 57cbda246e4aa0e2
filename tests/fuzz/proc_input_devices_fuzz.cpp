// fuzz-links: telltale_decode
// /proc/bus/input/devices text: any bytes must parse without crashing, and
// every device that comes out must serialise (valid UTF-8 strings).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/decode/proc_input_devices.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = telltale::decode::parse_proc_input_devices(text);
  std::string wire;
  for (const auto& d : parsed.devices)
    if (!d.SerializeToString(&wire)) __builtin_trap();
  return 0;
}
