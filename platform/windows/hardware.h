#pragma once
// Machine identity on Windows: SMBIOS (GetSystemFirmwareTable 'RSMB',
// decoded by decode/smbios), CPU name and count, memory, hostname, Windows
// edition, and a hypervisor hint from the same DMI strings Linux uses.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/probe.h"

namespace telltale::platform::windows_probe {

// The firmware table, behind an interface: Wine synthesises one from the
// host's DMI, so tests feed tables recorded on real Windows machines.
class FirmwareSource {
 public:
  virtual ~FirmwareSource() = default;
  // The RSMB blob, or nullopt with `error` set.
  virtual std::optional<std::vector<uint8_t>> smbios(std::string& error) = 0;
};

class SystemFirmware final : public FirmwareSource {
 public:
  std::optional<std::vector<uint8_t>> smbios(std::string& error) override;
};

class HardwareProbe final : public Probe {
 public:
  explicit HardwareProbe(FirmwareSource& firmware) : firmware_(firmware) {}
  std::string_view name() const override { return "hardware"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;

 private:
  FirmwareSource& firmware_;
};

}  // namespace telltale::platform::windows_probe
