#pragma once
// What Wine cannot answer, recorded from real Windows machines and fed to the
// probes through their OS-access interfaces (docs/WINDOWS.md lists the gaps).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "platform/windows/displays.h"
#include "platform/windows/hardware.h"
#include "platform/windows/remote_access.h"
#include "platform/windows/timezone.h"
#include "platform/windows/usb.h"
#include "support/fixture_bytes.h"

namespace telltale::testing {

class RecordedFirmware final : public platform::windows_probe::FirmwareSource {
 public:
  explicit RecordedFirmware(std::vector<uint8_t> blob) : blob_(std::move(blob)) {}
  std::optional<std::vector<uint8_t>> smbios(std::string&) override { return blob_; }

 private:
  std::vector<uint8_t> blob_;
};

class RecordedTimeZone final : public platform::windows_probe::TimeZoneSource {
 public:
  explicit RecordedTimeZone(platform::windows_probe::WindowsTimeZone tz) : tz_(std::move(tz)) {}
  platform::windows_probe::WindowsTimeZone current() override { return tz_; }

 private:
  platform::windows_probe::WindowsTimeZone tz_;
};

// Preparsed data per HID instance id; anything else is "not recorded".
class RecordedHid final : public platform::windows_probe::HidPreparsedSource {
 public:
  std::map<std::string, std::vector<uint8_t>> by_instance;
  std::optional<std::vector<uint8_t>> preparsed(const std::string& id, std::string& error) override {
    auto it = by_instance.find(id);
    if (it == by_instance.end()) {
      error = "no recording for " + id;
      return std::nullopt;
    }
    return it->second;
  }
};

class RecordedTopology final : public platform::windows_probe::DisplayTopologySource {
 public:
  std::vector<platform::windows_probe::DisplayTarget> list;
  std::vector<platform::windows_probe::DisplayTarget> targets(std::string&) override { return list; }
};

class RecordedTcp final : public platform::windows_probe::TcpTableSource {
 public:
  std::vector<platform::windows_probe::TcpRow> list;
  std::vector<platform::windows_probe::TcpRow> rows(std::string&) override { return list; }
  // By remote address: a measured round trip, or the error the call gave.
  std::map<std::string, platform::windows_probe::TcpRtt> rtts;
  std::map<std::string, std::string> rtt_errors;
  std::optional<platform::windows_probe::TcpRtt> rtt(const platform::windows_probe::TcpRow& row, std::string& error) override {
    if (auto e = rtt_errors.find(row.remote_address); e != rtt_errors.end()) error = e->second;
    if (auto r = rtts.find(row.remote_address); r != rtts.end()) return r->second;
    return std::nullopt;
  }
};

}  // namespace telltale::testing
