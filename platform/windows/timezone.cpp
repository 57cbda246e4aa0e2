#include "platform/windows/timezone.h"

#include <windows.h>

#include <chrono>

#include "platform/decode/text_sanitize.h"
#include "platform/decode/windows_zones.h"
#include "platform/windows/probe_error.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {

WindowsTimeZone SystemTimeZone::current() {
  WindowsTimeZone tz;
  DYNAMIC_TIME_ZONE_INFORMATION info{};
  const DWORD id = GetDynamicTimeZoneInformation(&info);
  if (id == TIME_ZONE_ID_INVALID) {
    tz.error = win::error_message(GetLastError());
    return tz;
  }
  tz.key_name = win::utf8(info.TimeZoneKeyName);
  tz.dst = id == TIME_ZONE_ID_DAYLIGHT;
  tz.bias_minutes = int32_t(info.Bias) + int32_t(tz.dst ? info.DaylightBias : info.StandardBias);
  wchar_t iso2[8] = {};
  if (GetGeoInfoW(GetUserGeoID(GEOCLASS_NATION), GEO_ISO2, iso2, 8, 0) > 0) tz.territory = win::utf8(iso2);
  return tz;
}

void TimezoneProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto& time = *out.mutable_time();
  time.set_agent_clock_unix_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  const auto tz = source_.current();
  if (!tz.error.empty()) {
    add_error(out, "timezone", "GetDynamicTimeZoneInformation", tz.error);
    return;
  }
  time.set_source("GetDynamicTimeZoneInformation");
  time.set_utc_offset_seconds(-tz.bias_minutes * 60);
  time.set_dst(tz.dst);
  if (auto zone = decode::iana_zone_for_windows(tz.key_name, tz.territory.empty() ? "001" : tz.territory)) {
    time.set_iana_zone(std::string(*zone));
  } else {
    add_error(out, "timezone", "GetDynamicTimeZoneInformation",
              "time zone \"" + decode::printable(tz.key_name) + "\" is not in CLDR's windowsZones");
  }
}

}  // namespace telltale::platform::windows_probe
