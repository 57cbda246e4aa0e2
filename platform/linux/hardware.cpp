#include "platform/linux/hardware.h"

#include <algorithm>
#include <system_error>
#include <vector>

#include "platform/common/file.h"
#include "platform/decode/machine_info.h"
#include "platform/decode/sysfs_values.h"
#include "platform/decode/text_sanitize.h"
#include "platform/linux/root_path.h"

namespace telltale::platform::linux_probe {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMaxEntries = 512;  // block devices / NICs: bounded against hostile trees

std::vector<fs::path> entries_of(const fs::path& dir, std::string_view probe, const fs::path& root,
                                 telltale::v1::Snapshot& out) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end && entries.size() < kMaxEntries; it.increment(ec))
    entries.push_back(it->path());
  if (ec && ec != std::errc::no_such_file_or_directory) record_error(out, probe, root, dir, "unreadable: " + ec.message());
  std::sort(entries.begin(), entries.end());
  return entries;
}

std::string text_attribute(const fs::path& path) { return decode::sanitize_utf8(read_attribute(path).value_or("")); }

void collect_dmi(const ProbeContext& ctx, std::string_view probe, telltale::v1::Hardware& hw, telltale::v1::Snapshot& out) {
  const auto dmi = under(ctx.root, "sys/class/dmi/id");
  auto attr = [&](const char* name) { return text_attribute(dmi / name); };
  hw.set_sys_vendor(attr("sys_vendor"));
  hw.set_product_name(attr("product_name"));
  hw.set_product_version(attr("product_version"));
  hw.set_product_serial(attr("product_serial"));
  hw.set_product_uuid(attr("product_uuid"));
  hw.set_board_vendor(attr("board_vendor"));
  hw.set_board_name(attr("board_name"));
  hw.set_board_serial(attr("board_serial"));
  hw.set_chassis_vendor(attr("chassis_vendor"));
  hw.set_bios_vendor(attr("bios_vendor"));
  hw.set_bios_version(attr("bios_version"));
  if (auto chassis = read_attribute(dmi / "chassis_type")) {
    auto code = decode::parse_decimal(*chassis);
    if (code && *code <= 0xFF) {
      hw.set_chassis_type(static_cast<uint32_t>(*code));
      hw.set_chassis_kind(decode::chassis_kind(hw.chassis_type()));
    } else {
      record_error(out, probe, ctx.root, dmi / "chassis_type",
                   "\"" + decode::printable(*chassis) + "\", expected an SMBIOS chassis type number");
    }
  }
  if (hw.sys_vendor().empty() && hw.product_name().empty())
    record_error(out, probe, ctx.root, dmi, "no DMI identity (sys_vendor and product_name unreadable)");
}

void collect_cpu_memory(const ProbeContext& ctx, std::string_view probe, telltale::v1::Hardware& hw,
                        telltale::v1::Snapshot& out, bool& hypervisor_flag) {
  const auto cpuinfo_path = under(ctx.root, "proc/cpuinfo");
  if (auto text = read_file(cpuinfo_path, 4 * 1024 * 1024); text.data) {
    const auto cpu = decode::parse_cpuinfo(*text.data);
    hw.set_cpu_model(cpu.model);
    hw.set_cpu_count(cpu.logical_cpus);
    hypervisor_flag = cpu.hypervisor_flag;
    if (cpu.logical_cpus == 0) record_error(out, probe, ctx.root, cpuinfo_path, "no \"processor\" entries");
  } else {
    record_error(out, probe, ctx.root, cpuinfo_path, "unreadable: " + text.error);
  }
  const auto meminfo_path = under(ctx.root, "proc/meminfo");
  if (auto text = read_file(meminfo_path, 1024 * 1024); text.data) {
    if (auto total = decode::parse_meminfo_total(*text.data)) hw.set_memory_bytes(*total);
    else record_error(out, probe, ctx.root, meminfo_path, "no \"MemTotal: N kB\" line");
  } else {
    record_error(out, probe, ctx.root, meminfo_path, "unreadable: " + text.error);
  }
}

// Loop, RAM and device-mapper disks are views of other storage, not hardware.
bool is_virtual_block(std::string_view name) {
  return name.starts_with("loop") || name.starts_with("ram") || name.starts_with("dm-") || name.starts_with("zram");
}

void collect_disks(const ProbeContext& ctx, std::string_view probe, telltale::v1::Hardware& hw, telltale::v1::Snapshot& out) {
  for (const auto& dir : entries_of(under(ctx.root, "sys/block"), probe, ctx.root, out)) {
    const auto name = dir.filename().string();
    if (is_virtual_block(name)) continue;
    auto* disk = hw.add_disks();
    disk->set_name(decode::sanitize_utf8(name));
    disk->set_model(text_attribute(dir / "device/model"));
    auto serial = text_attribute(dir / "device/serial");
    if (serial.empty()) serial = text_attribute(dir / "device/wwid");
    disk->set_serial(serial);
    if (auto size = read_attribute(dir / "size")) {
      auto sectors = decode::parse_decimal(*size);
      // sys/block/*/size counts 512-byte sectors whatever the device's block size.
      if (sectors && *sectors <= UINT64_MAX / 512) disk->set_size_bytes(*sectors * 512);
      else record_error(out, probe, ctx.root, dir / "size", "\"" + decode::printable(*size) + "\", expected a sector count");
    }
    disk->set_removable(read_attribute(dir / "removable").value_or("0") == "1");
    disk->set_rotational(read_attribute(dir / "queue/rotational").value_or("0") == "1");
  }
}

// Physical NICs only (the network probe reports every interface): their
// burnt-in MAC identifies the laptop even when the OS is reinstalled.
void collect_nics(const ProbeContext& ctx, std::string_view probe, telltale::v1::Hardware& hw, telltale::v1::Snapshot& out) {
  for (const auto& dir : entries_of(under(ctx.root, "sys/class/net"), probe, ctx.root, out)) {
    std::error_code ec;
    const auto target = fs::read_symlink(dir, ec).generic_string();
    if (ec || target.find("devices/virtual/") != std::string::npos) continue;
    const auto name = dir.filename().string();
    auto* nic = hw.add_nics();
    nic->set_name(decode::sanitize_utf8(name));
    nic->set_mac(text_attribute(dir / "address"));
    // addr_assign_type 0 is NET_ADDR_PERM: the address is the burnt-in one
    // (1 random, 3 set by userspace, e.g. Wi-Fi MAC randomisation).
    if (read_attribute(dir / "addr_assign_type").value_or("") == "0") nic->set_permanent_mac(nic->mac());
    const bool wireless = fs::exists(dir / "wireless", ec) || fs::exists(dir / "phy80211", ec);
    const auto type = read_attribute(dir / "type").value_or("");
    nic->set_kind(wireless ? "wifi" : type == "1" ? "ethernet" : "other");
    nic->set_up(read_attribute(dir / "operstate").value_or("") == "up");
    std::error_code dec;
    auto driver = fs::read_symlink(dir / "device/driver", dec);
    if (!dec) nic->set_driver(decode::sanitize_utf8(driver.filename().string()));
    nic->set_virtual_interface(false);
  }
}

void collect_vm_hint(const ProbeContext& ctx, telltale::v1::Hardware& hw, bool hypervisor_flag) {
  auto* vm = hw.mutable_vm();
  if (auto hint = decode::vm_from_dmi(hw.sys_vendor(), hw.product_name(), hw.board_vendor(), hw.bios_vendor())) {
    vm->set_is_virtual(true);
    vm->set_hypervisor(hint->hypervisor);
    vm->set_evidence(hint->evidence);
  } else if (auto type = read_attribute(under(ctx.root, "sys/hypervisor/type")); type && !type->empty()) {
    // Only Xen fills sys/hypervisor; dom0 shows it too, so it needs the CPU flag to mean "guest".
    if (hypervisor_flag) {
      vm->set_is_virtual(true);
      vm->set_hypervisor(decode::sanitize_utf8(*type));
      vm->set_evidence("sys/hypervisor/type=" + decode::sanitize_utf8(*type));
    }
  } else if (hypervisor_flag) {
    vm->set_is_virtual(true);
    vm->set_evidence("cpuinfo flags: hypervisor");
  }
  if (vm->is_virtual()) hw.set_chassis_kind("virtual");
}

}  // namespace

void HardwareProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto* hw = out.mutable_hardware();
  collect_dmi(ctx, name(), *hw, out);
  bool hypervisor_flag = false;
  collect_cpu_memory(ctx, name(), *hw, out, hypervisor_flag);
  collect_disks(ctx, name(), *hw, out);
  collect_nics(ctx, name(), *hw, out);
  collect_vm_hint(ctx, *hw, hypervisor_flag);
  if (auto host = read_attribute(under(ctx.root, "proc/sys/kernel/hostname"))) hw->set_hostname(decode::sanitize_utf8(*host));
  else if (auto etc_host = read_attribute(under(ctx.root, "etc/hostname"))) hw->set_hostname(decode::sanitize_utf8(*etc_host));
}

}  // namespace telltale::platform::linux_probe
