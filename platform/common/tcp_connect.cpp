#include "platform/common/tcp_connect.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "platform/common/host_port.h"

namespace telltale {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

TcpConnection::~TcpConnection() {
  if (handle_ >= 0) ::close(static_cast<int>(handle_));
}

// TCP connect bounded by `timeout`, then blocking I/O bounded by the same.
TcpConnection connect_tcp(const std::string& address, std::chrono::seconds timeout) {
  auto [host, port] = split_host_port(address);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error("cannot resolve collector " + address + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    // SOCK_CLOEXEC/SOCK_NONBLOCK are Linux's; fcntl does the same on macOS.
    // (Enrollment, the caller, runs no tool meanwhile, so the gap is harmless.)
    Fd s{::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)};
    if (s.fd < 0) continue;
    ::fcntl(s.fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) | O_NONBLOCK);
    int rc = ::connect(s.fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{s.fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(timeout.count() * 1000));
      if (rc == 0) {
        last_error = "timed out after " + std::to_string(timeout.count()) + " s";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last_error = std::strerror(err);
        continue;
      }
    } else if (rc != 0) {
      last_error = std::strerror(errno);
      continue;
    }
    ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{static_cast<time_t>(timeout.count()), 0};
    setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    TcpConnection connection(s.fd);
    s.fd = -1;
    return connection;
  }
  throw std::runtime_error("cannot connect to collector at " + address + ": " + last_error);
}

}  // namespace telltale
