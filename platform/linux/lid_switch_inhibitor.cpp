#include "platform/linux/lid_switch_inhibitor.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <vector>

#include "platform/linux/root_path.h"

extern char** environ;

namespace telltale::platform::linux_probe {

std::unique_ptr<LidSwitchInhibitor> LidSwitchInhibitor::hold(const std::filesystem::path& root, const std::string& why,
                                                             std::chrono::seconds max, std::string& error) {
  const auto tool = under(root, "usr/bin/systemd-inhibit");
  if (::access(tool.c_str(), X_OK) != 0) {
    error = tool.string() + ": " + std::strerror(errno);
    return nullptr;
  }
  std::vector<std::string> args = {tool.string(),       "--what=handle-lid-switch", "--who=telltale-agent",
                                   "--why=" + why,      "--mode=block",             "sleep",
                                   std::to_string(max.count())};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Its own process group, so releasing it also ends the `sleep` it runs.
  posix_spawnattr_t attr;
  ::posix_spawnattr_init(&attr);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  ::posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, tool.c_str(), nullptr, &attr, argv.data(), environ);
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    error = tool.string() + ": " + std::strerror(rc);
    return nullptr;
  }
  // logind refuses at once (no logind, no permission): the tool exits within
  // a moment. A tool still running after this is holding the inhibitor.
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      error = tool.string() + ": exited " +
              (WIFEXITED(status) ? std::to_string(WEXITSTATUS(status)) : "on signal " + std::to_string(WTERMSIG(status))) +
              " at once (no logind on this system?)";
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::unique_ptr<LidSwitchInhibitor>(new LidSwitchInhibitor(pid));
}

LidSwitchInhibitor::~LidSwitchInhibitor() {
  // logind drops the lock when systemd-inhibit's descriptor closes.
  ::kill(-pid_, SIGTERM);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace telltale::platform::linux_probe
