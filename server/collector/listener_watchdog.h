#pragma once
// Guards against the one failure the collector cannot recover from alone:
// gRPC 1.51's listener stops accepting for good after accept4() fails once
// with EMFILE (grpc/grpc#20418), e.g. when a reconnect storm of thousands of
// agents meets the open-file limit. The process keeps running and looks
// healthy while every new agent waits in the kernel's accept queue forever.
//
// The watchdog samples the listening socket's accept backlog (TCP_INFO
// tcpi_unacked of a LISTEN socket = completed connections not yet accepted;
// no new file descriptor needed, which matters at EMFILE) four times a
// second. A server that accepts drains it (gRPC accepts until EAGAIN), so
// even a busy one shows it empty or shrinking within a second; a backlog
// that is non-empty and never shrinks across the whole window means nobody
// is accepting. The collector then
// exits for its supervisor (systemd Restart=on-failure) to start it afresh:
// every acknowledged report is already committed and the agents' spools hold
// the rest, so a restart loses nothing.
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

// The descriptor of this process's TCP socket listening on port (IPv4 or
// IPv6), found through proc/net/tcp{,6} inodes and proc/self/fd links.
std::optional<int> find_listening_fd(const std::filesystem::path& proc, uint16_t port, std::string* error);

// Accept backlog of a listening socket; nullopt when fd is not one.
std::optional<uint32_t> accept_backlog(int fd);

}  // namespace telltale::server
