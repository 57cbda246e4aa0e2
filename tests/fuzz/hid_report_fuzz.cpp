// fuzz-links: telltale_decode
// Report descriptors are written by the device: an IP-KVM or a malicious
// gadget controls every byte. The parser must stay bounded and never crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "platform/decode/hid_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto s = telltale::decode::summarize_hid_report(std::span<const uint8_t>(data, size));
  if (s.descriptor_length() != size || s.descriptor_sha256().size() != 64) __builtin_trap();
  // Distinct and sorted, as documented.
  for (int i = 1; i < s.usage_pages_size(); ++i)
    if (s.usage_pages(i - 1) >= s.usage_pages(i)) __builtin_trap();
  for (int i = 1; i < s.report_ids_size(); ++i)
    if (s.report_ids(i - 1) >= s.report_ids(i)) __builtin_trap();
  for (uint32_t id : s.report_ids())
    if (id == 0 || id > 255) __builtin_trap();
  if (s.usage_pages_size() > 0x10000) __builtin_trap();
  return 0;
}
