// Facts macOS keeps in files below the root: the time zone (/etc/localtime,
// a link into /var/db/timezone/zoneinfo) and each user's keyboard input
// sources (~/Library/Preferences/com.apple.HIToolbox.plist).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/decode/macos/hitoolbox.h"
#include "platform/decode/text_sanitize.h"
#include "platform/decode/tzfile.h"
#include "platform/macos/probes.h"
#include "platform/macos/tool_output.h"

namespace telltale::platform::macos_probe {
namespace {

namespace fs = std::filesystem;
namespace dm = telltale::decode::macos;

fs::path under(const fs::path& root, std::string_view relative) {
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  return root / relative;
}

constexpr size_t kMaxTzif = 256 * 1024;
constexpr size_t kMaxPreferences = 4 * 1024 * 1024;
constexpr size_t kMaxUsers = 1000;

class TimezoneProbe final : public Probe {
 public:
  explicit TimezoneProbe(MacSystem s) : s_(std::move(s)) {}
  std::string_view name() const override { return "timezone"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override {
    auto* time = out.mutable_time();
    const int64_t now_ms = s_.now_unix_ms();
    time->set_agent_clock_unix_ms(now_ms);
    const auto link = under(ctx.root, "etc/localtime");
    std::error_code ec;
    auto target = fs::read_symlink(link, ec);
    if (ec) {
      record_error(out, name(), "etc/localtime", "not a symbolic link: " + ec.message());
      return;
    }
    // "/var/db/timezone/zoneinfo/Asia/Seoul" (or the older /usr/share/zoneinfo/…).
    const std::string t = target.string();
    auto pos = t.rfind("zoneinfo/");
    if (pos == std::string::npos) {
      record_error(out, name(), "etc/localtime", "link to \"" + decode::printable(t, 120) + "\" names no zoneinfo zone");
      return;
    }
    const std::string zone = t.substr(pos + 9);
    const bool plausible = !zone.empty() && zone.size() <= 64 && zone.find("..") == std::string::npos &&
                           std::all_of(zone.begin(), zone.end(), [](unsigned char c) {
                             return std::isalnum(c) || c == '/' || c == '_' || c == '-' || c == '+';
                           });
    if (!plausible) {
      record_error(out, name(), "etc/localtime", "link to \"" + decode::printable(t, 120) + "\" names no plausible zone");
      return;
    }
    time->set_iana_zone(zone);
    time->set_source("etc/localtime symlink");
    // The TZif data the link points at, read inside the root.
    const auto data_path = target.is_absolute() ? under(ctx.root, t) : link.parent_path() / target;
    auto data = read_file(data_path, kMaxTzif);
    if (!data.data) {
      record_error(out, name(), decode::printable(t, 120), "zone data unreadable: " + data.error);
      return;
    }
    auto parsed = decode::parse_tzif(*data.data);
    if (!parsed.tz) {
      record_error(out, name(), decode::printable(t, 120), "TZif: " + parsed.error);
      return;
    }
    const int64_t now_s = now_ms / 1000 - (now_ms % 1000 < 0 ? 1 : 0);
    if (auto local = decode::local_time_at(*parsed.tz, now_s)) {
      time->set_utc_offset_seconds(local->utc_offset);
      time->set_dst(local->dst);
      time->set_abbreviation(local->abbreviation);
    }
  }

 private:
  MacSystem s_;
};

class KeyboardProbe final : public Probe {
 public:
  explicit KeyboardProbe(MacSystem s) : s_(std::move(s)) {}
  std::string_view name() const override { return "keyboard"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override {
    const auto users = under(ctx.root, "Users");
    std::error_code ec;
    std::vector<fs::path> homes;
    for (fs::directory_iterator it(users, ec), end; !ec && it != end && homes.size() < kMaxUsers; it.increment(ec)) {
      const auto user = it->path().filename().string();
      if (user == "Shared" || user.starts_with(".")) continue;
      homes.push_back(it->path());
    }
    if (ec) record_error(out, name(), "Users", "unreadable: " + ec.message());
    std::sort(homes.begin(), homes.end());
    for (const auto& home : homes) {
      const auto user = decode::sanitize_utf8(home.filename().string());
      const std::string rel = "Users/" + user + "/Library/Preferences/com.apple.HIToolbox.plist";
      auto file = read_file(home / "Library/Preferences/com.apple.HIToolbox.plist", kMaxPreferences);
      if (!file.data) {
        if (!file.missing) record_error(out, name(), rel, "unreadable: " + file.error);
        continue;  // a user who never changed input sources has no file
      }
      auto plist = dm::parse_plist(*file.data);
      if (!plist.value) {
        record_error(out, name(), rel, plist.error);
        continue;
      }
      auto sources = dm::parse_hitoolbox(*plist.value);
      if (!sources.error.empty()) {
        record_error(out, name(), rel, sources.error);
        continue;
      }
      auto* u = out.mutable_keyboard()->add_users();
      u->set_user(user);
      for (const auto& s : sources.sources) {
        if (s.id().empty()) continue;
        auto* im = u->add_input_methods();
        im->set_framework("macos");
        im->set_name(s.id());
        im->set_language(s.language);
        im->set_source(rel);
      }
    }
  }

 private:
  MacSystem s_;
};

}  // namespace

std::unique_ptr<Probe> make_timezone_probe(const MacSystem& s) { return std::make_unique<TimezoneProbe>(s); }
std::unique_ptr<Probe> make_keyboard_probe(const MacSystem& s) { return std::make_unique<KeyboardProbe>(s); }

}  // namespace telltale::platform::macos_probe
