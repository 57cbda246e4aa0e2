#include "integration/agent_process.h"

#include <signal.h>

#include <fstream>
#include <regex>

namespace telltale::testing {

RunResult AgentProcess::enroll(const std::string& token, std::vector<std::string> extra) {
  std::vector<std::string> argv = {binary("telltale-agent").string(), "enroll", "--token", token, "--state-dir",
                                   state_.path().string(), "--root", fixture("pikvm-laptop").string(), "--timeout", "10"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run(argv);
}

void AgentProcess::start(const std::filesystem::path& root, std::vector<std::string> extra,
                         std::vector<std::string> extra_env) {
  std::vector<std::string> argv = {binary("telltale-agent").string(), "run", "--state-dir", state_.path().string(),
                                   "--root", root.string(), "--collect-interval", "1", "--heartbeat-interval", "1",
                                   "--backoff-max-ms", "500", "--hotplug-rescan-ms", "500", "--log-level", "debug"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  proc_ = std::make_unique<Process>(argv, state_.path() / ("agent-" + std::to_string(generation_++) + ".log"),
                                    std::move(extra_env));
}

void AgentProcess::stop() {
  if (!proc_) return;
  proc_->signal(SIGTERM);
  proc_->wait(std::chrono::seconds(15));
}

std::string AgentProcess::device_id() const {
  std::ifstream in(state_.path() / "identity.toml");
  std::string line;
  std::regex re("device_id = '?\"?([^'\"]+)");
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, re)) return m[1];
  return "";
}

}  // namespace telltale::testing
