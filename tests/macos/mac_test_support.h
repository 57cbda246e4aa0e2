#pragma once
// Runs the macOS probes on a fixture: the real SpawnRunner executes wrapper
// scripts named like the system tools that replay the fixture's captures
// (tests/fixtures/macos/replay), processes come from its libproc recording,
// files from its root/ tree.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "platform/macos/probes.h"
#include "support/temp_dir.h"
#include "telltale/v1/snapshot.pb.h"

namespace telltale::macos_testing {

inline std::filesystem::path fixtures() { return std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/macos"; }

// 2026-01-15 12:00 UTC: winter in both hemispheres' fixtures (New York EST, Seoul KST).
inline constexpr int64_t kFixtureClockMs = 1768478400000;

inline void write_script(const std::filesystem::path& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ::chmod(path.c_str(), 0755);
}

// A bin dir whose ioreg, system_profiler, launchctl, route and arp replay `fixture`.
inline void install_replay_tools(const std::filesystem::path& bin, const std::filesystem::path& fixture) {
  std::filesystem::create_directories(bin);
  for (const char* tool : {"ioreg", "system_profiler", "launchctl", "route", "arp"})
    write_script(bin / tool, "exec '" + (fixtures() / "replay").string() + "' '" + fixture.string() + "' " + tool + " \"$@\"");
}

inline platform::macos_probe::MacSystem replay_system(const std::filesystem::path& bin, const std::filesystem::path& fixture) {
  platform::macos_probe::MacSystem s;
  platform::macos_probe::SpawnOptions options;
  options.tool_dir = bin;
  s.runner = std::make_shared<platform::macos_probe::SpawnRunner>(options);
  s.processes = std::make_shared<platform::macos_probe::RecordedProcessTable>(fixture / "processes.json");
  s.now_unix_ms = [] { return kFixtureClockMs; };
  return s;
}

// Every macOS probe over the named fixture, as the agent would collect it.
inline telltale::v1::Snapshot collect_fixture(const std::string& name) {
  telltale::testing::TempDir tmp;
  const auto fixture = fixtures() / name;
  install_replay_tools(tmp.path() / "bin", fixture);
  auto system = replay_system(tmp.path() / "bin", fixture);
  platform::ProbeContext ctx;
  ctx.root = fixture / "root";
  telltale::v1::Snapshot snap;
  snap.set_platform("macos");
  snap.set_collected_at_unix_ms(kFixtureClockMs);
  for (auto& probe : platform::macos_probe::make_all(system)) probe->collect(ctx, snap);
  return snap;
}

}  // namespace telltale::macos_testing
