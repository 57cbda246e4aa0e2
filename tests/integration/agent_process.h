#pragma once
#include "integration/harness.h"

namespace telltale::testing {

// An agent with its own state dir, enrolled against a test collector.
class AgentProcess {
 public:
  AgentProcess() = default;
  RunResult enroll(const std::string& token, std::vector<std::string> extra = {});
  // Starts `telltale-agent run` below `root` with fast intervals.
  void start(const std::filesystem::path& root, std::vector<std::string> extra = {},
             std::vector<std::string> extra_env = {});
  void stop();  // SIGTERM and wait
  std::string device_id() const;
  const std::filesystem::path& state_dir() const { return state_.path(); }
  Process& process() { return *proc_; }

 private:
  TempDir state_;
  std::unique_ptr<Process> proc_;
  int generation_ = 0;
};

}  // namespace telltale::testing
