#pragma once
// Time zone on Windows: GetDynamicTimeZoneInformation's key name ("Korea
// Standard Time") mapped to IANA with CLDR (decode/windows_zones), refined by
// the user's territory where CLDR has one ("W. Europe Standard Time" in CH is
// Europe/Zurich); the UTC offset and daylight saving in effect now.
#include <cstdint>
#include <string>

#include "platform/probe.h"

namespace telltale::platform::windows_probe {

struct WindowsTimeZone {
  std::string key_name;     // TimeZoneKeyName, e.g. "W. Europe Standard Time"
  std::string territory;    // ISO 3166 two letters of the user's location, "" unknown
  int32_t bias_minutes = 0; // UTC = local time + bias (Windows' sign), DST included
  bool dst = false;         // TIME_ZONE_ID_DAYLIGHT
  std::string error;        // the call failed: why
};

// Behind an interface: Wine answers from the host's TZ, so tests feed the
// values real Windows machines report.
class TimeZoneSource {
 public:
  virtual ~TimeZoneSource() = default;
  virtual WindowsTimeZone current() = 0;
};

class SystemTimeZone final : public TimeZoneSource {
 public:
  WindowsTimeZone current() override;
};

class TimezoneProbe final : public Probe {
 public:
  explicit TimezoneProbe(TimeZoneSource& source) : source_(source) {}
  std::string_view name() const override { return "timezone"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;

 private:
  TimeZoneSource& source_;
};

}  // namespace telltale::platform::windows_probe
