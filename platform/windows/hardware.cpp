#include "platform/windows/hardware.h"

#include <windows.h>

#include "platform/decode/machine_info.h"
#include "platform/decode/smbios.h"
#include "platform/decode/text_sanitize.h"
#include "platform/windows/probe_error.h"
#include "platform/windows/registry.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {

std::optional<std::vector<uint8_t>> SystemFirmware::smbios(std::string& error) {
  constexpr DWORD kRsmb = 'R' << 24 | 'S' << 16 | 'M' << 8 | 'B';
  const UINT size = GetSystemFirmwareTable(kRsmb, 0, nullptr, 0);
  if (size == 0) {
    error = win::error_message(GetLastError());
    return std::nullopt;
  }
  std::vector<uint8_t> blob(size);
  const UINT got = GetSystemFirmwareTable(kRsmb, 0, blob.data(), size);
  if (got == 0 || got > size) {
    error = got ? "table grew from " + std::to_string(size) + " to " + std::to_string(got) + " bytes" : win::error_message(GetLastError());
    return std::nullopt;
  }
  blob.resize(got);
  return blob;
}

void HardwareProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto& hw = *out.mutable_hardware();
  std::string error;
  if (auto blob = firmware_.smbios(error)) {
    const auto info = decode::decode_smbios_rsmb(*blob);
    if (!info.error.empty()) add_error(out, "hardware", "GetSystemFirmwareTable(RSMB)", info.error);
    hw.set_sys_vendor(info.sys_vendor);
    hw.set_product_name(info.product_name);
    hw.set_product_version(info.product_version);
    hw.set_product_serial(info.product_serial);
    hw.set_product_uuid(info.product_uuid);
    hw.set_board_vendor(info.board_vendor);
    hw.set_board_name(info.board_name);
    hw.set_board_serial(info.board_serial);
    hw.set_chassis_vendor(info.chassis_vendor);
    hw.set_bios_vendor(info.bios_vendor);
    hw.set_bios_version(info.bios_version);
    if (info.chassis_type) {
      hw.set_chassis_type(info.chassis_type);
      hw.set_chassis_kind(decode::chassis_kind(info.chassis_type));
    }
    if (info.sys_vendor.empty() && info.product_name.empty())
      add_error(out, "hardware", "GetSystemFirmwareTable(RSMB)", "no system information (SMBIOS type 1) in the table");
  } else {
    add_error(out, "hardware", "GetSystemFirmwareTable(RSMB)", error);
  }

  // CPU: the brand string Windows records at boot, and the logical count.
  win::RegKey cpu(HKEY_LOCAL_MACHINE, L"HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0");
  if (auto model = cpu.string(L"ProcessorNameString")) {
    std::string m = *model;
    while (!m.empty() && m.back() == ' ') m.pop_back();
    hw.set_cpu_model(decode::sanitize_utf8(m));
  } else {
    add_error(out, "hardware", "HKLM\\HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0\\ProcessorNameString",
              cpu.ok() ? "value missing" : cpu.error());
  }
  hw.set_cpu_count(GetActiveProcessorCount(ALL_PROCESSOR_GROUPS));

  MEMORYSTATUSEX mem{};
  mem.dwLength = sizeof mem;
  if (GlobalMemoryStatusEx(&mem)) hw.set_memory_bytes(mem.ullTotalPhys);
  else add_error(out, "hardware", "GlobalMemoryStatusEx", win::error_message(GetLastError()));

  wchar_t host[256];
  DWORD host_len = 256;
  if (GetComputerNameExW(ComputerNameDnsHostname, host, &host_len)) hw.set_hostname(win::utf8(std::wstring(host, host_len)));
  else add_error(out, "hardware", "GetComputerNameExW", win::error_message(GetLastError()));

  win::RegKey version(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion");
  const auto product = version.string(L"ProductName").value_or("Windows");
  const auto display = version.string(L"DisplayVersion").value_or("");
  const auto build = version.string(L"CurrentBuild").value_or(version.string(L"CurrentBuildNumber").value_or(""));
  hw.set_os_release(decode::sanitize_utf8(product + (display.empty() ? "" : " " + display)));
  hw.set_kernel_release(decode::sanitize_utf8(build));

  if (auto hint = decode::vm_from_dmi(hw.sys_vendor(), hw.product_name(), hw.board_vendor(), hw.bios_vendor())) {
    auto* vm = hw.mutable_vm();
    vm->set_is_virtual(true);
    vm->set_hypervisor(hint->hypervisor);
    vm->set_evidence(hint->evidence);
    hw.set_chassis_kind("virtual");
  }
}

}  // namespace telltale::platform::windows_probe
