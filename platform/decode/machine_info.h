#pragma once
// Pure parsers and classifiers for the hardware probe: /proc/cpuinfo,
// /proc/meminfo, SMBIOS chassis codes and the DMI strings hypervisors put in
// their guests. Shared so the collector classifies raw values the same way.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace telltale::decode {

struct CpuInfo {
  std::string model;          // first "model name" (x86) or "Model" (ARM boards)
  uint32_t logical_cpus = 0;  // "processor" entries
  bool hypervisor_flag = false;  // x86 "flags" holds "hypervisor": running as a guest
};
CpuInfo parse_cpuinfo(std::string_view text);

// "MemTotal:       16153948 kB" → bytes; nullopt when absent or malformed.
std::optional<uint64_t> parse_meminfo_total(std::string_view text);

// SMBIOS 3.x chassis type (7.4.1) → "laptop", "desktop", "server", "tablet", "other".
// Unknown codes are "other"; code 0 and codes past the table are "" (unknown).
std::string chassis_kind(uint32_t chassis_type);

struct VmHint {
  std::string hypervisor;  // "qemu", "kvm", "vmware", "virtualbox", "hyper-v", "xen", "parallels"
  std::string evidence;    // e.g. "sys_vendor=QEMU"
};
// From DMI strings as sys/class/dmi/id shows them. "KVM" here is the Linux
// hypervisor, never an IP-KVM: those leave no trace in the laptop's own DMI.
std::optional<VmHint> vm_from_dmi(std::string_view sys_vendor, std::string_view product_name,
                                  std::string_view board_vendor, std::string_view bios_vendor);

}  // namespace telltale::decode
