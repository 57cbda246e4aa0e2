#pragma once
// Runs the macOS system tools the probes read (ioreg, system_profiler,
// launchctl, route, arp). Without a shell (posix_spawn, argv as given), with a
// time limit and an output cap: a missing tool, a hang or a flood becomes a
// CommandError the probe records as a ProbeError, never a stuck agent. The
// environment is fixed (PATH of the system directories, the C locale).
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace telltale::platform::macos_probe {

struct CommandResult {
  int exit_code = 0;   // the tool's own status; non-zero is often an answer ("service not found")
  std::string output;  // stdout
  std::string error_output;  // stderr, capped like stdout
};

class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // argv[0] is the tool's name ("ioreg"); the runner decides where it lives.
  virtual CommandResult run(const std::vector<std::string>& argv) = 0;
};

struct SpawnOptions {
  // Where the tools live. Empty: the macOS locations (/usr/sbin/ioreg,
  // /bin/launchctl, …). Tests point this at a directory of replay scripts.
  std::filesystem::path tool_dir;
  std::chrono::milliseconds timeout{10000};
  size_t max_output_bytes = 64 * 1024 * 1024;  // an ioreg -l of a loaded Mac is ~10 MB
};

class SpawnRunner final : public CommandRunner {
 public:
  explicit SpawnRunner(SpawnOptions options = {});
  CommandResult run(const std::vector<std::string>& argv) override;
  std::filesystem::path resolve(const std::string& tool) const;

 private:
  SpawnOptions options_;
};

// "ioreg -a -l" for messages.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace telltale::platform::macos_probe
