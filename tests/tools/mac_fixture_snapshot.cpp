// mac_fixture_snapshot FIXTURE_DIR: runs every macOS probe over a Mac fixture
// (tests/fixtures/macos/NAME) as the tests do — replay tools through the real
// SpawnRunner, its libproc recording, its root tree, the fixtures' clock —
// and prints the Snapshot as protobuf JSON, for `telltale-ctl evaluate` and
// tests/scenarios.
#include <google/protobuf/util/json_util.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "platform/macos/probes.h"

namespace fs = std::filesystem;
using namespace telltale::platform::macos_probe;

int main(int argc, char** argv) {
  // stdout carries the snapshot; the probes' log lines go to stderr.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("mac_fixture_snapshot"));
  if (argc != 2) {
    std::cerr << "usage: mac_fixture_snapshot FIXTURE_DIR\n";
    return 2;
  }
  const fs::path fixture = fs::absolute(argv[1]);
  const fs::path replay = fixture.parent_path() / "replay";
  if (!fs::exists(fixture / "processes.json") || !fs::exists(replay)) {
    std::cerr << "mac_fixture_snapshot: " << fixture << " is not a Mac fixture (no processes.json or ../replay)\n";
    return 2;
  }
  std::string templ = (fs::temp_directory_path() / "mac-fixture-XXXXXX").string();
  if (!mkdtemp(templ.data())) return 2;
  const fs::path bin = templ;
  for (const char* tool : {"ioreg", "system_profiler", "launchctl", "route", "arp"}) {
    std::ofstream(bin / tool) << "#!/bin/sh\nexec '" << replay.string() << "' '" << fixture.string() << "' " << tool
                              << " \"$@\"\n";
    ::chmod((bin / tool).c_str(), 0755);
  }
  MacSystem system;
  SpawnOptions options;
  options.tool_dir = bin;
  system.runner = std::make_shared<SpawnRunner>(options);
  system.processes = std::make_shared<RecordedProcessTable>(fixture / "processes.json");
  constexpr int64_t kFixtureClockMs = 1768478400000;  // 2026-01-15 12:00 UTC, as tests/macos
  system.now_unix_ms = [] { return kFixtureClockMs; };
  telltale::platform::ProbeContext ctx;
  ctx.root = fixture / "root";
  telltale::v1::Snapshot snap;
  snap.set_platform("macos");
  snap.set_collected_at_unix_ms(kFixtureClockMs);
  for (auto& probe : make_all(system)) probe->collect(ctx, snap);
  std::error_code ec;
  fs::remove_all(bin, ec);
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  auto status = google::protobuf::util::MessageToJsonString(snap, &json, print);
  if (!status.ok()) {
    std::cerr << "mac_fixture_snapshot: " << status.ToString() << "\n";
    return 1;
  }
  std::cout << json;
  return 0;
}
