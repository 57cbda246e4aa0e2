#include "agent/collect/watchdog.h"

#include "platform/common/log.h"

namespace telltale::agent {

bool Watchdog::update(uint64_t rss_bytes, double cpu_percent) {
  const bool over = rss_bytes > budget_.rss_bytes || cpu_percent > budget_.cpu_percent;
  const bool well_under = rss_bytes < budget_.rss_bytes * 8 / 10 && cpu_percent < budget_.cpu_percent * 0.8;
  if (!shedding_ && over) {
    shedding_ = true;
    spdlog::warn("event=watchdog_shed work=input_timing rss_bytes={} cpu_percent={:.2f} budget_rss={} budget_cpu={:.2f}",
                 rss_bytes, cpu_percent, budget_.rss_bytes, budget_.cpu_percent);
  } else if (shedding_ && well_under) {
    shedding_ = false;
    spdlog::info("event=watchdog_resume work=input_timing rss_bytes={} cpu_percent={:.2f}", rss_bytes, cpu_percent);
  }
  return shedding_;
}

std::vector<std::string> Watchdog::shed_work() const {
  if (!shedding_) return {};
  return {"input_timing"};
}

}  // namespace telltale::agent
