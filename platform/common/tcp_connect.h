#pragma once
// A blocking TCP connection with bounded connect, read and write times, for
// code that drives a socket itself (OpenSSL's SSL_set_fd during enrollment's
// CA pin check). POSIX sockets here, Winsock in windows/tcp_connect.cpp.
#include <chrono>
#include <cstdint>
#include <string>

namespace telltale {

class TcpConnection {
 public:
  TcpConnection() = default;
  explicit TcpConnection(intptr_t handle) : handle_(handle) {}
  ~TcpConnection();
  TcpConnection(TcpConnection&& other) noexcept : handle_(other.handle_) { other.handle_ = -1; }
  TcpConnection& operator=(TcpConnection&&) = delete;
  TcpConnection(const TcpConnection&) = delete;

  // The socket as OpenSSL's SSL_set_fd takes it (a SOCKET fits: Windows
  // keeps socket handles below 2^24, and OpenSSL casts them the same way).
  int fd() const { return static_cast<int>(handle_); }

 private:
  intptr_t handle_ = -1;
};

// Connects to "host:port" or "[v6]:port" within `timeout`; reads and writes
// on the result time out after `timeout` too. Throws std::runtime_error
// naming the address and the reason.
TcpConnection connect_tcp(const std::string& address, std::chrono::seconds timeout);

}  // namespace telltale
