#pragma once
// Real processes for integration tests: the collector, ctl and agent
// binaries as built, each in its own temp dir, on loopback only.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace telltale::testing {

std::filesystem::path binary(const std::string& name);  // build/agent/telltale-agent …
std::filesystem::path fixture(const std::string& name);  // tests/fixtures/<name>


struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs to completion (killed after `timeout`).
RunResult run(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(60),
              const std::vector<std::string>& extra_env = {});

class Process {
 public:
  Process(std::vector<std::string> argv, std::filesystem::path log, std::vector<std::string> extra_env = {});
  ~Process();  // SIGKILL if still running
  Process(const Process&) = delete;
  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit; returns the exit code (128+signal when killed), -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  std::string log_text() const;

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  std::filesystem::path log_;
};

// A collector in its own data dir on 127.0.0.1 (port chosen by the kernel
// on first start, kept across restarts).
class CollectorProcess {
 public:
  explicit CollectorProcess(std::vector<std::string> extra_args = {}, std::vector<std::string> extra_env = {});
  void restart(std::vector<std::string> extra_env = {});
  void kill9();
  const std::filesystem::path& data_dir() const { return dir_.path(); }
  std::string address() const { return address_; }
  Process& process() { return *proc_; }
  std::string token(int uses = 1, const std::string& ttl = "1h");
  RunResult ctl(std::vector<std::string> args);
  // The console's port from the "console_started" log line (--console HOST:0);
  // "" when it did not start within the timeout.
  std::string console_port(std::chrono::seconds timeout = std::chrono::seconds(20));
  // The verdict column of `telltale-ctl devices --format csv` for one device, "" if none.
  std::string verdict_of(const std::string& device);

 private:
  void start(const std::string& listen, std::vector<std::string> extra_env);
  TempDir dir_;
  std::vector<std::string> extra_args_;
  std::string address_;
  int generation_ = 0;
  std::unique_ptr<Process> proc_;
};

// Polls `condition` every 50 ms until true or timeout.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace telltale::testing
