// The hardware probe (DMI, CPU, memory, disks, NICs, VM hint) on the fixture
// machines (tests/fixtures/make_display_hw.py) and on broken trees, plus the
// pure classifiers it uses.
#include <gtest/gtest.h>

#include <filesystem>

#include "platform/decode/machine_info.h"
#include "platform/linux/hardware.h"
#include "platform/sensor_test_support.h"
#include "support/snapshot_errors.h"

namespace telltale::platform::linux_probe {
namespace {

namespace fs = std::filesystem;
using sensor_test::kFixtures;
using sensor_test::TempRoot;
using telltale::testing::errors_of;

v1::Snapshot collect(const fs::path& root) {
  HardwareProbe probe;
  return sensor_test::collect_from(probe, root);
}

// The smallest machine the probe reads without complaint, for breaking one part at a time.
void minimal_machine(const TempRoot& root) {
  root.put("sys/class/dmi/id/sys_vendor", "LENOVO\n");
  root.put("sys/class/dmi/id/product_name", "21AH00F1US\n");
  root.put("proc/cpuinfo", "processor\t: 0\nmodel name\t: Test CPU\n\n");
  root.put("proc/meminfo", "MemTotal:        1024000 kB\n");
}

TEST(HardwareProbe, CleanLaptop_IsAThinkPadWithNvmeAndBurntInWifiMac) {
  const auto s = collect(kFixtures / "clean-laptop");
  EXPECT_EQ(s.errors_size(), 0) << errors_of(s);
  const auto& hw = s.hardware();
  EXPECT_EQ(hw.sys_vendor(), "LENOVO");
  EXPECT_EQ(hw.product_version(), "ThinkPad T14 Gen 3");
  EXPECT_EQ(hw.chassis_type(), 10u);
  EXPECT_EQ(hw.chassis_kind(), "laptop");
  EXPECT_EQ(hw.cpu_model(), "12th Gen Intel(R) Core(TM) i7-1260P");
  EXPECT_EQ(hw.cpu_count(), 16u);
  EXPECT_EQ(hw.memory_bytes(), 32542316ull * 1024);
  ASSERT_EQ(hw.disks_size(), 1);  // loop0/loop1 skipped
  EXPECT_EQ(hw.disks(0).name(), "nvme0n1");
  EXPECT_EQ(hw.disks(0).model(), "SAMSUNG MZVL21T0HCLR-00BL2");
  EXPECT_EQ(hw.disks(0).serial(), "S64PNX0T512345");
  EXPECT_EQ(hw.disks(0).size_bytes(), 2000409264ull * 512);
  EXPECT_FALSE(hw.disks(0).removable());
  EXPECT_FALSE(hw.disks(0).rotational());
  ASSERT_EQ(hw.nics_size(), 1);  // lo is virtual
  EXPECT_EQ(hw.nics(0).name(), "wlp0s20f3");
  EXPECT_EQ(hw.nics(0).kind(), "wifi");
  EXPECT_EQ(hw.nics(0).mac(), "a4:c3:f0:85:1e:27");
  EXPECT_EQ(hw.nics(0).permanent_mac(), "a4:c3:f0:85:1e:27");
  EXPECT_EQ(hw.nics(0).driver(), "iwlwifi");
  EXPECT_TRUE(hw.nics(0).up());
  EXPECT_FALSE(hw.vm().is_virtual());
}

TEST(HardwareProbe, PiKvmLaptop_RandomisedWifiMacIsNotThePermanentOne) {
  const auto s = collect(kFixtures / "pikvm-laptop");
  EXPECT_EQ(s.errors_size(), 0) << errors_of(s);
  EXPECT_EQ(s.hardware().sys_vendor(), "HP");
  ASSERT_EQ(s.hardware().nics_size(), 1);
  EXPECT_EQ(s.hardware().nics(0).mac(), "2a:91:5d:07:c4:e3");
  EXPECT_EQ(s.hardware().nics(0).permanent_mac(), "");
}

TEST(HardwareProbe, TouchscreenLaptop_ConvertibleChassisIsALaptop) {
  const auto s = collect(kFixtures / "touchscreen-laptop");
  EXPECT_EQ(s.hardware().chassis_type(), 31u);
  EXPECT_EQ(s.hardware().chassis_kind(), "laptop");
}

TEST(HardwareProbe, DevVm_IsQemuGuestWithVirtioDiskAndNic) {
  const auto s = collect(kFixtures / "dev-vm");
  EXPECT_EQ(s.errors_size(), 0) << errors_of(s);
  const auto& hw = s.hardware();
  EXPECT_TRUE(hw.vm().is_virtual());
  EXPECT_EQ(hw.vm().hypervisor(), "qemu");
  EXPECT_EQ(hw.vm().evidence(), "sys_vendor=QEMU");
  EXPECT_EQ(hw.chassis_kind(), "virtual");
  EXPECT_EQ(hw.cpu_count(), 4u);
  ASSERT_EQ(hw.disks_size(), 1);
  EXPECT_EQ(hw.disks(0).name(), "vda");
  EXPECT_EQ(hw.disks(0).size_bytes(), 32ull << 30);
  ASSERT_EQ(hw.nics_size(), 1);
  EXPECT_EQ(hw.nics(0).kind(), "ethernet");
  EXPECT_EQ(hw.nics(0).driver(), "virtio_net");
}

TEST(HardwareProbe, MissingDmiDirectory_IsReported) {
  TempRoot root("nodmi");
  minimal_machine(root);
  fs::remove_all(root.path / "sys/class/dmi");
  const auto s = collect(root.path);
  ASSERT_EQ(s.errors_size(), 1) << errors_of(s);
  EXPECT_EQ(s.errors(0).path(), "sys/class/dmi/id");
  EXPECT_EQ(s.hardware().cpu_model(), "Test CPU");
}

TEST(HardwareProbe, GarbageChassisType_IsReportedAndRestKept) {
  TempRoot root("chassis");
  minimal_machine(root);
  root.put("sys/class/dmi/id/chassis_type", "laptop\x01\n");
  const auto s = collect(root.path);
  ASSERT_EQ(s.errors_size(), 1) << errors_of(s);
  EXPECT_EQ(s.errors(0).path(), "sys/class/dmi/id/chassis_type");
  EXPECT_EQ(s.errors(0).message(), "\"laptop\\x01\", expected an SMBIOS chassis type number");
  EXPECT_EQ(s.hardware().chassis_type(), 0u);
  EXPECT_EQ(s.hardware().chassis_kind(), "");
  EXPECT_EQ(s.hardware().sys_vendor(), "LENOVO");
}

TEST(HardwareProbe, UnreadableProcFilesAndBadDiskSize_AreReported) {
  TempRoot root("proc");
  minimal_machine(root);
  fs::remove(root.path / "proc/cpuinfo");
  root.put("proc/meminfo", "MemFree: 12 kB\n");
  root.put("sys/devices/pci0000:00/nvme/nvme0/nvme0n1/size", "lots\n");
  fs::create_directories(root.path / "sys/block");
  fs::create_directory_symlink("../devices/pci0000:00/nvme/nvme0/nvme0n1", root.path / "sys/block/nvme0n1");
  const auto s = collect(root.path);
  EXPECT_EQ(s.errors_size(), 3) << errors_of(s);  // cpuinfo missing, no MemTotal, bad size
  ASSERT_EQ(s.hardware().disks_size(), 1);
  EXPECT_EQ(s.hardware().disks(0).size_bytes(), 0u);
}

TEST(MachineInfo, CpuinfoCountsProcessorsAndSeesHypervisorFlag) {
  const auto cpu = decode::parse_cpuinfo(
      "processor\t: 0\nmodel name\t: Intel Xeon\nflags\t\t: fpu hypervisor lm\n\n"
      "processor\t: 1\nmodel name\t: Intel Xeon\nflags\t\t: fpu hypervisor lm\n\n");
  EXPECT_EQ(cpu.logical_cpus, 2u);
  EXPECT_EQ(cpu.model, "Intel Xeon");
  EXPECT_TRUE(cpu.hypervisor_flag);
  EXPECT_FALSE(decode::parse_cpuinfo("flags\t\t: fpu hypervisor_x\n").hypervisor_flag);
  // Raspberry Pi style: no "model name", a "Model" line at the end.
  EXPECT_EQ(decode::parse_cpuinfo("processor\t: 0\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n").model,
            "Raspberry Pi 4 Model B Rev 1.4");
}

TEST(MachineInfo, MeminfoTotalInBytes) {
  EXPECT_EQ(decode::parse_meminfo_total("MemTotal:       16153948 kB\nMemFree: 1 kB\n"), 16153948ull * 1024);
  EXPECT_FALSE(decode::parse_meminfo_total("MemTotal:       lots kB\n").has_value());
  EXPECT_FALSE(decode::parse_meminfo_total("MemTotal:       16153948\n").has_value());
  EXPECT_FALSE(decode::parse_meminfo_total("").has_value());
}

TEST(MachineInfo, ChassisKindsFromSmbiosCodes) {
  EXPECT_EQ(decode::chassis_kind(9), "laptop");
  EXPECT_EQ(decode::chassis_kind(10), "laptop");
  EXPECT_EQ(decode::chassis_kind(3), "desktop");
  EXPECT_EQ(decode::chassis_kind(23), "server");
  EXPECT_EQ(decode::chassis_kind(30), "tablet");
  EXPECT_EQ(decode::chassis_kind(1), "other");
  EXPECT_EQ(decode::chassis_kind(0), "");
  EXPECT_EQ(decode::chassis_kind(200), "");
}

TEST(MachineInfo, HypervisorsFromDmi_KvmIsTheHypervisorNotAnIpKvm) {
  EXPECT_EQ(decode::vm_from_dmi("QEMU", "Standard PC (Q35 + ICH9, 2009)", "", "SeaBIOS")->hypervisor, "qemu");
  EXPECT_EQ(decode::vm_from_dmi("Red Hat", "KVM", "", "SeaBIOS")->hypervisor, "kvm");
  EXPECT_EQ(decode::vm_from_dmi("VMware, Inc.", "VMware Virtual Platform", "Intel Corporation", "Phoenix")->hypervisor, "vmware");
  EXPECT_EQ(decode::vm_from_dmi("innotek GmbH", "VirtualBox", "Oracle Corporation", "innotek GmbH")->hypervisor, "virtualbox");
  EXPECT_EQ(decode::vm_from_dmi("Microsoft Corporation", "Virtual Machine", "Microsoft Corporation", "Microsoft")->hypervisor, "hyper-v");
  EXPECT_EQ(decode::vm_from_dmi("Xen", "HVM domU", "", "Xen")->hypervisor, "xen");
  EXPECT_EQ(decode::vm_from_dmi("Parallels Software International Inc.", "Parallels Virtual Platform", "", "")->hypervisor, "parallels");
  // A Surface is Microsoft hardware, not Hyper-V; a PiKVM on HDMI leaves the laptop's DMI alone.
  EXPECT_FALSE(decode::vm_from_dmi("Microsoft Corporation", "Surface Laptop 5", "Microsoft Corporation", "Microsoft").has_value());
  EXPECT_FALSE(decode::vm_from_dmi("HP", "HP EliteBook 840 G8 Notebook PC", "HP", "HP").has_value());
}

}  // namespace
}  // namespace telltale::platform::linux_probe
