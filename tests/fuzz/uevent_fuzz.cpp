// fuzz-links: telltale_decode
// Netlink uevent datagrams and sysfs uevent files: arbitrary bytes from a
// socket must never crash the parser.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "platform/decode/uevent.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const char> bytes(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto u = telltale::decode::parse_kernel_uevent(bytes, &error);
  if (u && (u->subsystem.empty() || !u->devpath.starts_with('/'))) __builtin_trap();
  telltale::decode::parse_uevent_file(std::string_view(bytes.data(), bytes.size()));
  return 0;
}
