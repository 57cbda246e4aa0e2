#pragma once
// Guards against the one failure the collector cannot recover from alone:
// gRPC 1.51's listener stops accepting for good after accept4() fails with
// anything but EAGAIN/ECONNABORTED — EMFILE when a reconnect storm of
// thousands of agents meets the open-file limit (grpc/grpc#20418). It logs
// "Failed accept4: …" once and leaves the listening socket unwatched: the
// process keeps running and looks healthy while every new agent waits in the
// kernel's accept queue forever.
//
// The collector routes gRPC's log lines through install_grpc_log_hook(),
// which notes that line. The watchdog then exits the collector (via
// on_wedged) as soon as a connection is waiting, or after `wedged_after`,
// for its supervisor (systemd Restart=on-failure) to start it afresh: every
// acknowledged report is already committed and the agents' spools hold the
// rest, so a restart loses nothing.
//
// The accept backlog alone is not the signal: in a storm a server that does
// accept keeps the queue full (each freed slot is refilled at once) — the
// first version of this watchdog restarted a healthy collector that way at
// 15,000 agents. The backlog (TCP_INFO tcpi_unacked of the LISTEN socket,
// sampled four times a second without opening a descriptor) is exported as
// a metric.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace telltale::server {

struct ListenerWatchdogOptions {
  std::chrono::milliseconds interval{250};
  std::chrono::milliseconds wedged_after{10000};  // 0 turns the watchdog off
  std::filesystem::path proc = "/proc";
};

class ListenerWatchdog {
 public:
  using OnWedged = std::function<void(const std::string& why)>;
  ListenerWatchdog(uint16_t port, ListenerWatchdogOptions options, OnWedged on_wedged);
  ~ListenerWatchdog();
  ListenerWatchdog(const ListenerWatchdog&) = delete;
  ListenerWatchdog& operator=(const ListenerWatchdog&) = delete;

  // Finds the listening socket among this process's descriptors and starts
  // sampling. Returns an error (and does not start) when it cannot be found.
  std::optional<std::string> start();
  void stop();

  // Connections waiting to be accepted at the last sample (for /metrics).
  uint32_t backlog() const { return backlog_.load(std::memory_order_relaxed); }

 private:
  void run();

  uint16_t port_;
  ListenerWatchdogOptions options_;
  OnWedged on_wedged_;
  int fd_ = -1;  // gRPC's listening socket, borrowed: never closed here
  std::atomic<uint32_t> backlog_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// Sends gRPC's own log lines to spdlog (event=grpc_log) and notes accept
// failures. Process-wide; idempotent.
void install_grpc_log_hook();
// The "Failed accept4: …" message gRPC logged, if it did.
std::optional<std::string> grpc_accept_failure();
// For tests: what the hook does with one gRPC log message, and a reset.
void note_grpc_log_message(const char* message);
void reset_grpc_accept_failure();

// The descriptor of this process's TCP socket listening on port (IPv4 or
// IPv6), found through proc/net/tcp{,6} inodes and proc/self/fd links.
std::optional<int> find_listening_fd(const std::filesystem::path& proc, uint16_t port, std::string* error);

// Accept backlog of a listening socket; nullopt when fd is not one.
std::optional<uint32_t> accept_backlog(int fd);

}  // namespace telltale::server
