#include "agent/presence/helper_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "platform/common/log.h"
#include "platform/decode/presence_observation.h"

namespace telltale::agent {
namespace v1 = telltale::v1;

namespace {

constexpr size_t kMaxLine = 4096;
constexpr size_t kMaxEvents = 1024;  // a helper flooding KEY lines gets cut off

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string clean(std::string text) {
  for (char& c : text)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return text.substr(0, 512);
}

bool write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads one line within the deadline; nullopt on timeout, close or overlong line.
std::optional<std::string> read_line(int fd, std::string& buffer, int64_t deadline_ms,
                                     const std::atomic<bool>& stop) {
  for (;;) {
    if (stop) return std::nullopt;
    if (auto nl = buffer.find('\n'); nl != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      return line;
    }
    if (buffer.size() > kMaxLine) return std::nullopt;
    const int64_t left = deadline_ms - now_ms();
    if (left <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) continue;
    char chunk[512];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

std::optional<int64_t> parse_us(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

HelperSocket::HelperSocket(std::filesystem::path path, std::function<std::vector<platform::UserSession>()> sessions)
    : path_(std::move(path)), sessions_(std::move(sessions)) {}

HelperSocket::~HelperSocket() {
  stop_ = true;
  if (wake_[1] >= 0) {
    char b = 1;
    [[maybe_unused]] auto n = ::write(wake_[1], &b, 1);
  }
  if (acceptor_.joinable()) acceptor_.join();
  for (int* fd : {&listen_fd_, &wake_[0], &wake_[1], &helper_fd_})
    if (*fd >= 0) ::close(*fd), *fd = -1;
}

void HelperSocket::start() {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.string().size() >= sizeof addr.sun_path)
    throw std::runtime_error("presence socket path too long: " + path_.string());
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  ::unlink(path_.c_str());  // a stale socket from a previous run
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 8) != 0)
    throw std::runtime_error("presence socket " + path_.string() + ": " + std::strerror(errno));
  // Any local user may connect; who they are is SO_PEERCRED's answer, checked per connection.
  ::chmod(path_.c_str(), 0666);
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("presence socket: pipe failed");
  acceptor_ = std::thread([this] { accept_loop(); });
  spdlog::info("event=presence_socket_listening path={}", log::q(path_.string()));
}

void HelperSocket::accept_loop() {
  while (!stop_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, 1000) <= 0 || !(fds[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      ::close(fd);
      continue;
    }
    // The peer's uid must own an active graphical session: another local
    // user (or a service) cannot answer for the person at the screen. Checked
    // before waiting for HELLO, so only that user can keep the acceptor
    // waiting, and a check then records the session as having no helper.
    auto session = active_graphical_session(cred.uid);
    if (!session) {
      write_all(fd, "REFUSED\tno active graphical logind session for this user\n");
      spdlog::warn("event=presence_helper_refused uid={} pid={} reason=no_active_graphical_session", cred.uid, cred.pid);
      ::close(fd);
      continue;
    }
    std::string buffer;
    auto hello = read_line(fd, buffer, now_ms() + 5000, stop_);
    if (!hello || *hello != "HELLO\t1") {
      spdlog::warn("event=presence_helper_refused uid={} pid={} reason=bad_hello", cred.uid, cred.pid);
      ::close(fd);
      continue;
    }
    write_all(fd, "WELCOME\n");
    std::lock_guard lock(mu_);
    if (helper_fd_ >= 0) ::close(helper_fd_);
    helper_fd_ = fd;
    helper_session_ = *session;
    spdlog::info("event=presence_helper_connected uid={} pid={} session={} type={} remote={}", cred.uid, cred.pid,
                 log::q(session->id), session->type, session->remote);
  }
}

std::optional<platform::UserSession> HelperSocket::active_graphical_session(std::optional<uint32_t> uid) {
  for (const auto& s : sessions_())
    if ((!uid || s.uid == *uid) && s.active && (s.type == "x11" || s.type == "wayland" || s.type == "mir")) return s;
  return std::nullopt;
}

bool HelperSocket::helper_connected() {
  std::lock_guard lock(mu_);
  return helper_fd_ >= 0;
}

PromptReport HelperSocket::prompt(const v1::PresenceRequest& request) {
  PromptReport report;
  int fd;
  {
    std::lock_guard lock(mu_);
    fd = helper_fd_;
    helper_fd_ = -1;  // one check at a time owns the connection; given back below
    report.session_type = helper_session_.type;
    report.remote_session = helper_session_.remote;
  }
  if (fd < 0) {
    if (auto s = active_graphical_session(std::nullopt))
      report.session_without_helper = s->type + " session " + s->id + " of uid " + std::to_string(s->uid);
    return report;
  }
  const uint32_t answer_s = request.answer_seconds() ? request.answer_seconds() : 120;
  const uint32_t trials = request.trials() ? request.trials() : 5;
  const std::string line = "CHECK\t" + clean(request.check_id()) + "\t" + decode::to_string(request.action()) + "\t" +
                           std::to_string(answer_s) + "\t" + std::to_string(trials) + "\t" + clean(request.company()) +
                           "\t" + clean(request.reason()) + "\n";
  bool alive = write_all(fd, line);
  report.helper_present = alive;
  // The reaction task's trials run after the prompt: allow for them.
  const int64_t deadline = now_ms() + int64_t{answer_s} * 1000 + int64_t{trials} * 5000 + 5000;
  std::string buffer;
  size_t events = 0;
  while (alive) {
    auto msg = read_line(fd, buffer, deadline, stop_);
    if (!msg) {
      alive = false;
      break;
    }
    if (++events > kMaxEvents) break;
    auto tab = msg->find('\t');
    std::string kind = msg->substr(0, tab);
    auto value = tab == std::string::npos ? std::nullopt : parse_us(std::string_view(*msg).substr(tab + 1));
    if (kind == "SHOWN" && value && report.prompts_us.empty() && request.action() != v1::PRESENCE_ACTION_REACTION)
      report.prompts_us.push_back(*value);
    else if (kind == "GREEN" && value && request.action() == v1::PRESENCE_ACTION_REACTION)
      report.prompts_us.push_back(*value);
    else if (kind == "KEY" && value) report.helper_keys_us.push_back(*value);
    else if (kind == "DECLINED") report.declined = true;
    else if (kind == "DONE") break;
    else if (kind != "SHOWN") spdlog::warn("event=presence_helper_line_ignored line={}", log::q(msg->substr(0, 80)));
    if (report.declined) break;
  }
  std::lock_guard lock(mu_);
  if (alive && helper_fd_ < 0) helper_fd_ = fd;
  else ::close(fd);
  return report;
}

}  // namespace telltale::agent
