#include "integration/harness.h"

#include <algorithm>
#include <regex>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace telltale::testing {

std::filesystem::path binary(const std::string& name) {
  const std::filesystem::path build = TELLTALE_BINARY_DIR;
  if (name == "telltale-agent") return build / "agent" / name;
  return build / "server" / name;
}

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests" / "fixtures" / name;
}


namespace {
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& out, const std::filesystem::path& err,
            const std::vector<std::string>& extra_env) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int e = out == err ? o : ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    for (const auto& kv : extra_env) putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

RunResult run(const std::vector<std::string>& argv, std::chrono::seconds timeout, const std::vector<std::string>& env) {
  TempDir tmp;
  auto out = tmp.path() / "out", err = tmp.path() / "err";
  pid_t pid = spawn(argv, out, err, env);
  RunResult r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.err = "timed out\n";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err += slurp(err);
  return r;
}

Process::Process(std::vector<std::string> argv, std::filesystem::path log, std::vector<std::string> env)
    : log_(std::move(log)) {
  pid_ = spawn(argv, log_, log_, env);
}
Process::~Process() {
  if (running()) {
    kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}
bool Process::running() {
  if (reaped_) return false;
  pid_t w = waitpid(pid_, &status_, WNOHANG);
  if (w == pid_) reaped_ = true;
  return !reaped_;
}
void Process::signal(int sig) {
  if (!reaped_) kill(pid_, sig);
}
int Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}
std::string Process::log_text() const { return slurp(log_); }

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

namespace {
// A free loopback port below the kernel's ephemeral range (32768-60999).
// Restart tests reuse the collector's port after killing it; a port the
// kernel picked (":0") is also handed out to outgoing connections, and with
// parallel tests one of those took it in between (seen as "Socket closed").
int free_low_port() {
  static std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 32000);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = pick(rng);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (free) return port;
  }
  throw std::runtime_error("no free loopback port in 20000-32000");
}
}  // namespace

CollectorProcess::CollectorProcess(std::vector<std::string> extra_args, std::vector<std::string> extra_env)
    : extra_args_(std::move(extra_args)) {
  // Another test may bind the same port between the check and the collector's bind: try a few.
  for (int attempt = 0;; ++attempt) {
    try {
      start("127.0.0.1:" + std::to_string(free_low_port()), extra_env);
      return;
    } catch (const std::runtime_error&) {
      if (attempt == 4) throw;
    }
  }
}

void CollectorProcess::start(const std::string& listen, std::vector<std::string> extra_env) {
  auto addr_file = dir_.path() / "listen_address";
  std::filesystem::remove(addr_file);
  std::vector<std::string> argv = {binary("telltale-collector").string(), "--data-dir", dir_.path().string(),
                                   "--listen", listen, "--log-level", "debug",
                                   // Pushed to agents in ConfigUpdate, which overrides their own flags.
                                   "--collect-interval", "1", "--heartbeat-interval", "1"};
  // Fast revocations unless the test sets its own poll (flags may not repeat).
  if (std::find(extra_args_.begin(), extra_args_.end(), "--revocation-poll-ms") == extra_args_.end())
    argv.insert(argv.end(), {"--revocation-poll-ms", "200"});
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  proc_ = std::make_unique<Process>(argv, dir_.path() / ("collector-" + std::to_string(generation_++) + ".log"),
                                    std::move(extra_env));
  if (!eventually([&] { return std::filesystem::exists(addr_file) || !proc_->running(); }, std::chrono::seconds(20)) ||
      !proc_->running())
    throw std::runtime_error("collector did not start:\n" + proc_->log_text());
  std::ifstream in(addr_file);
  std::getline(in, address_);
}

void CollectorProcess::restart(std::vector<std::string> extra_env) {
  if (proc_ && proc_->running()) {
    proc_->signal(SIGTERM);
    proc_->wait(std::chrono::seconds(15));
  }
  // The port stays: agents hold the address from their enrollment.
  start(address_, std::move(extra_env));
}

void CollectorProcess::kill9() {
  proc_->signal(SIGKILL);
  proc_->wait(std::chrono::seconds(10));
}

RunResult CollectorProcess::ctl(std::vector<std::string> args) {
  std::vector<std::string> argv = {binary("telltale-ctl").string(), "--data-dir", dir_.path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

std::string CollectorProcess::console_port(std::chrono::seconds timeout) {
  static const std::regex started("event=console_started port=(\\d+)");
  std::string port;
  eventually(
      [&] {
        std::smatch m;
        const auto log = proc_->log_text();
        if (std::regex_search(log, m, started)) port = m[1];
        return !port.empty();
      },
      timeout);
  return port;
}

std::string CollectorProcess::verdict_of(const std::string& device) {
  std::istringstream in(ctl({"devices", "--format", "csv"}).out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(device + ",", 0) == 0) {
      // device,hostname,serial,verdict,...
      std::vector<std::string> cells;
      std::string cell;
      std::istringstream row(line);
      while (std::getline(row, cell, ',')) cells.push_back(cell);
      return cells.size() > 3 ? cells[3] : "";
    }
  return "";
}

std::string CollectorProcess::token(int uses, const std::string& ttl) {
  auto r = ctl({"token", "create", "--uses", std::to_string(uses), "--ttl", ttl});
  if (r.exit_code != 0) throw std::runtime_error("token create failed: " + r.err);
  auto t = r.out;
  while (!t.empty() && (t.back() == '\n')) t.pop_back();
  return t;
}

}  // namespace telltale::testing
