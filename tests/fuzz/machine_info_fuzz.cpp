// fuzz-links: telltale_decode
// proc/cpuinfo and proc/meminfo of a fixture or hostile root, and DMI strings
// any firmware can set: parsing and classification must never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/decode/machine_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace telltale::decode;
  const auto cpu = parse_cpuinfo(text);
  if (cpu.logical_cpus > size) __builtin_trap();  // every "processor" costs bytes
  if (auto total = parse_meminfo_total(text); total && *total % 1024 != 0) __builtin_trap();
  // Split the input into four DMI strings.
  const size_t q = size / 4;
  auto hint = vm_from_dmi(text.substr(0, q), text.substr(q, q), text.substr(2 * q, q), text.substr(3 * q));
  if (hint && (hint->hypervisor.empty() || hint->evidence.empty())) __builtin_trap();
  if (size > 0) chassis_kind(data[0]);
  return 0;
}
