#include "platform/macos/command_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace telltale::platform::macos_probe {
namespace {

// Absolute paths: the agent runs as root and must not find tools through PATH.
const std::map<std::string, std::string>& system_tools() {
  static const std::map<std::string, std::string> tools = {
      {"ioreg", "/usr/sbin/ioreg"},         {"system_profiler", "/usr/sbin/system_profiler"},
      {"launchctl", "/bin/launchctl"},      {"route", "/sbin/route"},
      {"arp", "/usr/sbin/arp"},
  };
  return tools;
}

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

SpawnRunner::SpawnRunner(SpawnOptions options) : options_(std::move(options)) {}

std::filesystem::path SpawnRunner::resolve(const std::string& tool) const {
  if (!options_.tool_dir.empty()) return options_.tool_dir / tool;
  auto it = system_tools().find(tool);
  return it == system_tools().end() ? std::filesystem::path("/usr/bin") / tool : std::filesystem::path(it->second);
}

CommandResult SpawnRunner::run(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0].empty() || argv[0].find('/') != std::string::npos)
    throw CommandError("command \"" + command_line(argv) + "\": expected a bare tool name");
  const auto path = resolve(argv[0]);
  const std::string what = command_line(argv);
  if (::access(path.c_str(), X_OK) != 0)
    throw CommandError(what + ": " + path.string() + " not executable: " + errno_text(errno));

  Pipe out, err;
  // pipe() + FD_CLOEXEC: macOS has no pipe2.
  if (::pipe(out.fd) != 0 || ::pipe(err.fd) != 0) throw CommandError(what + ": pipe: " + errno_text(errno));
  for (int f : {out.fd[0], out.fd[1], err.fd[0], err.fd[1]}) ::fcntl(f, F_SETFD, FD_CLOEXEC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so a timeout kills the tool and anything it started.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  std::string path_text = path.string();
  args.push_back(path_text.data());
  std::vector<std::string> copies(argv.begin() + 1, argv.end());
  for (auto& a : copies) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  // A fixed environment: the tools' output must not change with the agent's
  // locale (system_profiler localises values) or with variables launchd passed in.
  static const char* kEnvironment[] = {"PATH=/usr/bin:/bin:/usr/sbin:/sbin", "LANG=C", "LC_ALL=C", nullptr};
  int rc = ::posix_spawn(&pid, path_text.c_str(), &actions, &attr, args.data(), const_cast<char**>(kEnvironment));
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw CommandError(what + ": spawn " + path_text + ": " + errno_text(rc));
  out.close_end(1);
  err.close_end(1);

  CommandResult result;
  std::string failure;
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  bool out_open = true, err_open = true;
  char buf[65536];
  while ((out_open || err_open) && failure.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      failure = "no answer within " + std::to_string(options_.timeout.count()) + " ms";
      break;
    }
    pollfd fds[2] = {{out_open ? out.fd[0] : -1, POLLIN, 0}, {err_open ? err.fd[0] : -1, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0) {
      if (errno == EINTR) continue;
      failure = "poll: " + errno_text(errno);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      std::string& sink = i == 0 ? result.output : result.error_output;
      if (sink.size() + static_cast<size_t>(got) > options_.max_output_bytes) {
        failure = std::string(i == 0 ? "output" : "error output") + " larger than " +
                  std::to_string(options_.max_output_bytes) + " bytes";
        break;
      }
      sink.append(buf, static_cast<size_t>(got));
    }
  }
  if (!failure.empty()) ::kill(-pid, SIGKILL);
  int status = 0;
  // After SIGKILL, or after both pipes closed, the child is gone or about to
  // be; a tool that closed its pipes but keeps running is waited for only
  // until the deadline.
  for (;;) {
    pid_t w = ::waitpid(pid, &status, failure.empty() ? WNOHANG : 0);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (w == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        failure = "no exit within " + std::to_string(options_.timeout.count()) + " ms";
        ::kill(-pid, SIGKILL);
        continue;
      }
      ::usleep(2000);
    }
  }
  if (!failure.empty()) throw CommandError(what + ": " + failure);
  if (WIFSIGNALED(status)) throw CommandError(what + ": killed by signal " + std::to_string(WTERMSIG(status)));
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace telltale::platform::macos_probe
