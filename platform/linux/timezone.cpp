#include "platform/linux/timezone.h"

#include <chrono>
#include <system_error>

#include "platform/common/file.h"
#include "platform/linux/root_path.h"

namespace telltale::platform::linux_probe {
namespace {

// "/usr/share/zoneinfo/America/New_York" → "America/New_York". The target is
// absolute on the laptop; inside a fixture it must be read inside the root.
std::string zone_from_link_target(const std::string& target) {
  static constexpr std::string_view kMarker = "zoneinfo/";
  auto pos = target.rfind(kMarker);
  if (pos == std::string::npos) return "";
  auto zone = target.substr(pos + kMarker.size());
  if (zone.starts_with("posix/")) zone = zone.substr(6);
  if (zone.starts_with("right/")) zone = zone.substr(6);
  return zone;
}

}  // namespace

void TimezoneProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto* time = out.mutable_time();
  time->set_agent_clock_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
  const auto localtime = under(ctx.root, "etc/localtime");
  std::error_code ec;
  if (std::filesystem::is_symlink(localtime, ec)) {
    auto target = std::filesystem::read_symlink(localtime, ec);
    if (!ec) {
      auto zone = zone_from_link_target(target.string());
      if (!zone.empty()) {
        time->set_iana_zone(zone);
        time->set_source("etc/localtime symlink");
        return;
      }
      record_error(out, name(), ctx.root, localtime, "symlink to \"" + target.string() + "\" names no zoneinfo zone");
    }
  }
  if (auto tz = read_attribute(under(ctx.root, "etc/timezone")); tz && !tz->empty()) {
    time->set_iana_zone(*tz);
    time->set_source("etc/timezone");
    return;
  }
  record_error(out, name(), ctx.root, localtime, "no time zone found (etc/localtime and etc/timezone unreadable)");
}

}  // namespace telltale::platform::linux_probe
