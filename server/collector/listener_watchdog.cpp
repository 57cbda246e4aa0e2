#include "server/collector/listener_watchdog.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpc/support/log.h>

#include <cstring>
#include <set>

#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/decode/proc_net_tcp.h"

namespace telltale::server {
namespace {
std::mutex g_accept_mu;
std::optional<std::string> g_accept_failure;  // guarded by g_accept_mu
std::atomic<bool> g_accept_failed{false};

void grpc_log_to_spdlog(gpr_log_func_args* args) {
  note_grpc_log_message(args->message);
  const auto level = args->severity == GPR_LOG_SEVERITY_ERROR  ? spdlog::level::err
                     : args->severity == GPR_LOG_SEVERITY_INFO ? spdlog::level::info
                                                               : spdlog::level::debug;
  spdlog::log(level, "event=grpc_log file={}:{} message={}", args->file ? args->file : "?", args->line,
              log::q(args->message ? args->message : ""));
}
}  // namespace

void install_grpc_log_hook() { gpr_set_log_function(grpc_log_to_spdlog); }

void note_grpc_log_message(const char* message) {
  if (message == nullptr || std::strncmp(message, "Failed accept4", 14) != 0) return;
  std::lock_guard lock(g_accept_mu);
  if (!g_accept_failure) g_accept_failure = message;
  g_accept_failed = true;
}

std::optional<std::string> grpc_accept_failure() {
  if (!g_accept_failed) return std::nullopt;
  std::lock_guard lock(g_accept_mu);
  return g_accept_failure;
}

void reset_grpc_accept_failure() {
  std::lock_guard lock(g_accept_mu);
  g_accept_failure.reset();
  g_accept_failed = false;
}

std::optional<int> find_listening_fd(const std::filesystem::path& proc, uint16_t port, std::string* error) {
  std::set<uint64_t> inodes;
  for (const auto& [name, ipv6] : {std::pair{"tcp", false}, std::pair{"tcp6", true}}) {
    auto text = read_file(proc / "net" / name, 64 * 1024 * 1024);
    if (!text.data) continue;  // no IPv6 in this kernel
    for (const auto& s : decode::parse_proc_net_tcp(*text.data, ipv6).sockets)
      if (s.state == decode::kTcpListen && s.local_port == port) inodes.insert(s.inode);
  }
  if (inodes.empty()) {
    if (error) *error = "no socket listens on port " + std::to_string(port) + " in " + (proc / "net/tcp").string();
    return std::nullopt;
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(proc / "self" / "fd", ec)) {
    std::error_code link_ec;
    const auto target = std::filesystem::read_symlink(entry.path(), link_ec).string();
    if (link_ec || !target.starts_with("socket:[")) continue;
    const uint64_t inode = std::strtoull(target.c_str() + 8, nullptr, 10);
    if (inodes.count(inode)) return std::atoi(entry.path().filename().c_str());
  }
  if (error) *error = "the socket listening on port " + std::to_string(port) + " is not among this process's descriptors";
  return std::nullopt;
}

std::optional<uint32_t> accept_backlog(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || info.tcpi_state != 10 /* TCP_LISTEN */)
    return std::nullopt;
  return info.tcpi_unacked;  // for a listener: sk_ack_backlog (net/ipv4/tcp.c, tcp_get_info)
}

ListenerWatchdog::ListenerWatchdog(uint16_t port, ListenerWatchdogOptions options, OnWedged on_wedged)
    : port_(port), options_(std::move(options)), on_wedged_(std::move(on_wedged)) {}

ListenerWatchdog::~ListenerWatchdog() { stop(); }

std::optional<std::string> ListenerWatchdog::start() {
  if (options_.wedged_after.count() <= 0) return std::nullopt;
  std::string error;
  auto fd = find_listening_fd(options_.proc, port_, &error);
  if (!fd) return error;
  fd_ = *fd;
  thread_ = std::thread([this] { run(); });
  return std::nullopt;
}

void ListenerWatchdog::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ListenerWatchdog::run() {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> failed_at;
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, options_.interval, [&] { return stopping_; })) {
    const auto backlog = accept_backlog(fd_);
    if (!backlog) {
      spdlog::error("event=listener_watchdog_stopped reason={}", log::q("descriptor is no longer a listening socket"));
      return;
    }
    backlog_.store(*backlog, std::memory_order_relaxed);
    const auto failure = grpc_accept_failure();
    if (!failure) continue;
    const auto now = Clock::now();
    if (!failed_at) failed_at = now;
    // Someone waits, or long enough has passed for nobody to be served again.
    if (*backlog > 0 || now - *failed_at >= options_.wedged_after) {
      on_wedged_("gRPC logged \"" + *failure + "\" and never accepts after that (grpc/grpc#20418); accept backlog " +
                 std::to_string(*backlog));
      return;
    }
  }
}

}  // namespace telltale::server
