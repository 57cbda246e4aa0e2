#pragma once
#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// IANA zone from etc/localtime (symlink resolved inside the root) or etc/timezone.
class TimezoneProbe final : public Probe {
 public:
  std::string_view name() const override { return "timezone"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
};

}  // namespace telltale::platform::linux_probe
