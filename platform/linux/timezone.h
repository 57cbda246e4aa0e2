#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// IANA zone from etc/localtime (symlink resolved inside the root, or a copied
// TZif file matched by content against usr/share/zoneinfo), etc/timezone, or
// the daemon's TZ. Offset, DST state and abbreviation come from the TZif data
// below the root, not from this process's libc, so fixtures answer as the
// laptop would. Stateful: remembers the zone of the previous collection and
// records each change.
class TimezoneProbe final : public Probe {
 public:
  struct Clock {
    std::function<int64_t()> now_unix_ms;                // wall clock
    std::function<std::optional<std::string>()> tz_env;  // the daemon's TZ variable
  };
  TimezoneProbe();
  explicit TimezoneProbe(Clock clock);

  std::string_view name() const override { return "timezone"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;

  // Changes seen since the previous call, oldest first (the agent turns them into Events).
  std::vector<telltale::v1::TimezoneChange> take_pending_changes();
  // The pending changes as Events (Probe capability).
  std::vector<telltale::v1::Event> take_events() override;

 private:
  static constexpr size_t kHistory = 32;  // changes kept in time.changes
  Clock clock_;
  std::mutex mutex_;
  std::optional<std::string> last_zone_;
  int32_t last_offset_ = 0;
  std::vector<telltale::v1::TimezoneChange> history_;
  std::vector<telltale::v1::TimezoneChange> pending_;
};

}  // namespace telltale::platform::linux_probe
