// mac_replay_agent FIXTURE_DIR <telltale-agent arguments…>: the real agent
// (agent_cli: enroll, run, scan) as a Mac. The host is the Mac agent's own
// MacHost, over a Mac fixture's captures (tests/fixtures/macos/NAME) replayed
// through the real SpawnRunner, its libproc recording and its root tree:
// platform "macos", the MacBook's system_profiler serial as enrollment
// identity, the Mac probes in every snapshot, the rescan change monitor.
// Only the system differs from a Mac's (macos/host_platform.cpp), chosen
// with host::use_host before the agent starts — agent/ is unchanged.
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "agent/cli/agent_cli.h"
#include "platform/host_platform.h"
#include "platform/macos/mac_host.h"

namespace fs = std::filesystem;
using namespace telltale::platform;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: mac_replay_agent FIXTURE_DIR <telltale-agent arguments>\n";
    return 2;
  }
  const fs::path fixture = fs::absolute(argv[1]);
  const fs::path replay = fixture.parent_path() / "replay";
  if (!fs::exists(fixture / "processes.json") || !fs::exists(replay)) {
    std::cerr << "mac_replay_agent: " << fixture << " is not a Mac fixture (no processes.json or ../replay)\n";
    return 2;
  }
  std::string templ = (fs::temp_directory_path() / "mac-replay-agent-XXXXXX").string();
  if (!mkdtemp(templ.data())) {
    std::cerr << "mac_replay_agent: cannot make a temporary directory\n";
    return 2;
  }
  const fs::path bin = templ;
  for (const char* tool : {"ioreg", "system_profiler", "launchctl", "route", "arp"}) {
    std::ofstream(bin / tool) << "#!/bin/sh\nexec '" << replay.string() << "' '" << fixture.string() << "' " << tool
                              << " \"$@\"\n";
    ::chmod((bin / tool).c_str(), 0755);
  }
  macos_probe::MacSystem system;
  macos_probe::SpawnOptions options;
  options.tool_dir = bin;
  system.runner = std::make_shared<macos_probe::SpawnRunner>(options);
  system.processes = std::make_shared<macos_probe::RecordedProcessTable>(fixture / "processes.json");
  constexpr int64_t kFixtureClockMs = 1768478400000;  // 2026-01-15 12:00 UTC, as tests/macos
  system.now_unix_ms = [] { return kFixtureClockMs; };
  // The Mac's default paths, except that --root reads the fixture's files.
  auto defaults = macos_probe::mac_defaults();
  defaults.root = fixture / "root";
  // The profile's managed preferences: the Mac's path below the fixture's
  // root, or the file TELLTALE_TEST_MANAGED_PREFERENCES names.
  fs::path managed = defaults.root / fs::path(macos_probe::kManagedPreferences).relative_path();
  if (const char* env = std::getenv("TELLTALE_TEST_MANAGED_PREFERENCES"); env && *env) managed = env;
  host::use_host(std::make_shared<macos_probe::MacHost>(system, defaults, managed));

  const int code = telltale::agent::agent_cli(host::command_line(argc - 1, argv + 1));
  std::error_code ec;
  fs::remove_all(bin, ec);
  return code;
}
