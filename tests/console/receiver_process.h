#pragma once
// Starts one of tests/console/receivers/*.py (real loopback receivers: HTTP,
// syslog, SMTP) as a child process and reads the port it announces on stdout
// ("PORT <n>"). Killed and reaped at destruction. Header-only.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace telltale::console_test {

class ReceiverProcess {
 public:
  // script: file name under tests/console/receivers; args: its arguments.
  ReceiverProcess(const std::string& script, std::vector<std::string> args) {
    const std::string path = std::string(TELLTALE_SOURCE_DIR) + "/tests/console/receivers/" + script;
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      // Debian's interpreter: the one python3-aiosmtpd is installed for (a
      // python3 earlier on PATH, pyenv say, would not see it).
      std::vector<char*> argv{const_cast<char*>("/usr/bin/python3"), const_cast<char*>(path.c_str())};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv("/usr/bin/python3", argv.data());
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[128] = {};
    // Blocks until the receiver listens (or exits: then fgets sees EOF).
    if (!out || !fgets(line, sizeof line, out) || std::sscanf(line, "PORT %d", &port_) != 1) {
      if (out) fclose(out);
      throw std::runtime_error(script + " did not announce its port (is /usr/bin/python3 and, for SMTP, python3-aiosmtpd installed?)");
    }
    out_ = out;
  }
  ~ReceiverProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_) fclose(out_);
  }
  ReceiverProcess(const ReceiverProcess&) = delete;
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int port_ = 0;
};

// The JSON lines a receiver logged so far.
inline std::vector<boost::json::object> log_lines(const std::filesystem::path& log) {
  std::vector<boost::json::object> out;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(boost::json::parse(line).as_object());
  return out;
}

// A loopback port nobody listens on right now (bound, then released).
inline int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

}  // namespace telltale::console_test
