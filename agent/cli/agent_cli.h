#pragma once
// telltale-agent's command line: enroll, run (daemon) and scan (one-shot),
// the same commands and config keys on every OS. main() (agent/main.cpp)
// hands it the arguments; a test build of the agent (tests/windows) hands it
// probes over recorded sources where Wine cannot answer.
#include <functional>
#include <string>
#include <vector>

#include "platform/probe.h"

namespace telltale::agent {

struct CliHooks {
  // The probes run and scan collect with; empty: this OS's live probes
  // (platform/host_platform.h).
  std::function<platform::ProbeList()> make_probes;
};

// `args` are the arguments after the program name, UTF-8. Returns the exit
// code (0 ok / scan compliant, 1 failed / non-compliant, 2 usage or unknown).
int agent_cli(std::vector<std::string> args, const CliHooks& hooks = {});

}  // namespace telltale::agent
