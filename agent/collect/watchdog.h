#pragma once
// The agent watches its own cost and sheds optional work when over budget:
// a monitoring agent that slows the laptop gets uninstalled. Input timing is
// shed first (it is the only continuous reader); it resumes when usage falls
// below 80% of the budget, so it does not flap at the boundary.
#include <cstdint>
#include <string>
#include <vector>

namespace telltale::agent {

struct WatchdogBudget {
  uint64_t rss_bytes = 48ull << 20;
  double cpu_percent = 2.0;  // of one core, averaged between collections
};

class Watchdog {
 public:
  explicit Watchdog(WatchdogBudget budget) : budget_(budget) {}

  // Feeds one measurement; returns whether optional work should be shed now.
  bool update(uint64_t rss_bytes, double cpu_percent);
  bool shedding() const { return shedding_; }
  // Names of the shed work, for AgentHealth.shed_work.
  std::vector<std::string> shed_work() const;

 private:
  WatchdogBudget budget_;
  bool shedding_ = false;
};

}  // namespace telltale::agent
