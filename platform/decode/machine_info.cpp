#include "platform/decode/machine_info.h"

#include "platform/decode/lines.h"
#include "platform/decode/sysfs_values.h"
#include "platform/decode/text_sanitize.h"

namespace telltale::decode {
namespace {

// Calls fn(key, value) for every "key<TAB>: value" line.
template <typename Fn>
void for_each_field(std::string_view text, Fn fn) {
  for_each_line(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) fn(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  });
}

bool has_word(std::string_view list, std::string_view word) {
  size_t pos = 0;
  while ((pos = list.find(word, pos)) != std::string_view::npos) {
    const bool start = pos == 0 || list[pos - 1] == ' ';
    const bool end = pos + word.size() == list.size() || list[pos + word.size()] == ' ';
    if (start && end) return true;
    pos += word.size();
  }
  return false;
}

}  // namespace

CpuInfo parse_cpuinfo(std::string_view text) {
  CpuInfo info;
  std::string arm_model;
  for_each_field(text, [&](std::string_view key, std::string_view value) {
    if (key == "processor") ++info.logical_cpus;
    else if (key == "model name" && info.model.empty()) info.model = sanitize_utf8(value);
    else if (key == "Model" && arm_model.empty()) arm_model = sanitize_utf8(value);
    else if (key == "flags" && has_word(value, "hypervisor")) info.hypervisor_flag = true;
  });
  if (info.model.empty()) info.model = arm_model;
  return info;
}

std::optional<uint64_t> parse_meminfo_total(std::string_view text) {
  std::optional<uint64_t> out;
  for_each_field(text, [&](std::string_view key, std::string_view value) {
    if (key != "MemTotal" || out) return;
    if (!value.ends_with("kB")) return;
    value.remove_suffix(2);
    auto kib = parse_decimal(value);
    if (kib && *kib <= UINT64_MAX / 1024) out = *kib * 1024;
  });
  return out;
}

std::string chassis_kind(uint32_t code) {
  switch (code) {
    case 8: case 9: case 10: case 14: case 31: case 32: return "laptop";  // portable, laptop, notebook, sub-notebook, convertible, detachable
    case 11: case 30: return "tablet";                                    // hand held, tablet
    case 3: case 4: case 5: case 6: case 7: case 13: case 15: case 16: case 35: case 36: return "desktop";
    case 17: case 23: case 25: case 28: case 29: return "server";         // main server, rack mount, multi-system, blade (enclosure)
    case 1: case 2: return "other";                                       // other, unknown (QEMU reports 1)
    default: return code >= 1 && code <= 36 ? "other" : "";
  }
}

std::optional<VmHint> vm_from_dmi(std::string_view sys_vendor, std::string_view product_name,
                                  std::string_view board_vendor, std::string_view bios_vendor) {
  auto hint = [](const char* hv, std::string_view field, std::string_view value) {
    return VmHint{hv, std::string(field) + "=" + sanitize_utf8(value)};
  };
  if (sys_vendor == "QEMU") return hint("qemu", "sys_vendor", sys_vendor);
  if (product_name == "KVM") return hint("kvm", "product_name", product_name);
  if (sys_vendor.starts_with("VMware")) return hint("vmware", "sys_vendor", sys_vendor);
  if (sys_vendor == "innotek GmbH" || product_name == "VirtualBox") return hint("virtualbox", "sys_vendor", sys_vendor);
  if (sys_vendor == "Microsoft Corporation" && product_name == "Virtual Machine")
    return hint("hyper-v", "product_name", product_name);
  if (sys_vendor == "Xen" || bios_vendor == "Xen") return hint("xen", "sys_vendor", sys_vendor);
  if (sys_vendor.starts_with("Parallels")) return hint("parallels", "sys_vendor", sys_vendor);
  if (board_vendor == "QEMU") return hint("qemu", "board_vendor", board_vendor);
  if (bios_vendor.starts_with("SeaBIOS")) return hint("qemu", "bios_vendor", bios_vendor);
  return std::nullopt;
}

}  // namespace telltale::decode
