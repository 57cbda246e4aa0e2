// platform/common/tcp_connect.h on Winsock: the same bounded connect
// (non-blocking connect + select) and read/write timeouts (in milliseconds
// here, a timeval on POSIX).
#include <winsock2.h>
#include <ws2tcpip.h>

#include <memory>
#include <stdexcept>

#include "platform/common/host_port.h"
#include "platform/common/tcp_connect.h"
#include "platform/windows/win32_error.h"

namespace telltale {
namespace {

void start_winsock() {
  static const int started = [] {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data);
  }();
  if (started != 0) throw std::runtime_error("Winsock did not start: " + win::error_message(started));
}

struct Socket {
  SOCKET s = INVALID_SOCKET;
  ~Socket() {
    if (s != INVALID_SOCKET) closesocket(s);
  }
};

}  // namespace

TcpConnection::~TcpConnection() {
  if (handle_ >= 0) closesocket(static_cast<SOCKET>(handle_));
}

TcpConnection connect_tcp(const std::string& address, std::chrono::seconds timeout) {
  start_winsock();
  auto [host, port] = split_host_port(address);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error("cannot resolve collector " + address + ": " + win::error_message(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    Socket s{::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)};
    if (s.s == INVALID_SOCKET) continue;
    u_long nonblocking = 1;
    ioctlsocket(s.s, FIONBIO, &nonblocking);
    int rc = ::connect(s.s, ai->ai_addr, static_cast<int>(ai->ai_addrlen));
    if (rc != 0 && WSAGetLastError() == WSAEWOULDBLOCK) {
      fd_set writable, failed;
      FD_ZERO(&writable);
      FD_ZERO(&failed);
      FD_SET(s.s, &writable);
      FD_SET(s.s, &failed);
      timeval tv{static_cast<long>(timeout.count()), 0};
      rc = ::select(0, nullptr, &writable, &failed, &tv);
      if (rc == 0) {
        last_error = "timed out after " + std::to_string(timeout.count()) + " s";
        continue;
      }
      int err = 0;
      int len = sizeof err;
      getsockopt(s.s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len);
      if (rc < 0 || err != 0 || FD_ISSET(s.s, &failed)) {
        last_error = win::error_message(err != 0 ? err : WSAGetLastError());
        continue;
      }
    } else if (rc != 0) {
      last_error = win::error_message(WSAGetLastError());
      continue;
    }
    nonblocking = 0;
    ioctlsocket(s.s, FIONBIO, &nonblocking);
    const DWORD ms = static_cast<DWORD>(timeout.count() * 1000);
    setsockopt(s.s, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&ms), sizeof ms);
    setsockopt(s.s, SOL_SOCKET, SO_SNDTIMEO, reinterpret_cast<const char*>(&ms), sizeof ms);
    TcpConnection connection(static_cast<intptr_t>(s.s));
    s.s = INVALID_SOCKET;
    return connection;
  }
  throw std::runtime_error("cannot connect to collector at " + address + ": " + last_error);
}

}  // namespace telltale
