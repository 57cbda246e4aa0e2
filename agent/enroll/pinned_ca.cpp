#include "agent/enroll/pinned_ca.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <stdexcept>

#include "platform/common/x509.h"

namespace telltale::agent {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// "host:port" or "[v6]:port".
std::pair<std::string, std::string> split_address(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size())
    throw std::runtime_error("collector address \"" + address + "\" is not host:port");
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, address.substr(colon + 1)};
}

// TCP connect bounded by `timeout`, then blocking I/O bounded by the same.
int connect_with_timeout(const std::string& address, std::chrono::seconds timeout) {
  auto [host, port] = split_address(address);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error("cannot resolve collector " + address + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    Fd s{::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol)};
    if (s.fd < 0) continue;
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
    int fd = s.fd;
    s.fd = -1;
    return fd;
  }
  throw std::runtime_error("cannot connect to collector at " + address + ": " + last_error);
}

}  // namespace

std::string fetch_pinned_ca(const std::string& address, const std::string& pin, std::chrono::seconds timeout) {
  Fd sock{connect_with_timeout(address, timeout)};
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) throw std::runtime_error("TLS context: out of memory");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  // No chain verification here on purpose: the pin check below is the trust decision.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), sock.fd);
  SSL_set_tlsext_host_name(ssl.get(), "telltale-collector");
  SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>("\x02h2"), 3);
  if (SSL_connect(ssl.get()) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    ERR_clear_error();
    throw std::runtime_error("TLS 1.3 handshake with collector at " + address + " failed: " + buf);
  }
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get());
  int n = chain ? sk_X509_num(chain) : 0;
  std::string found;
  for (int i = 0; i < n && found.empty(); ++i) {
    std::unique_ptr<BIO, decltype(&BIO_free)> mem(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(mem.get(), sk_X509_value(chain, i));
    char* data = nullptr;
    long len = BIO_get_mem_data(mem.get(), &data);
    std::string pem(data, static_cast<size_t>(len));
    if (x509::spki_pin(pem) == pin) found = pem;
  }
  SSL_shutdown(ssl.get());
  if (found.empty())
    throw std::runtime_error("collector at " + address + " presented " + std::to_string(n) +
                             " certificate(s), none matches the token's CA pin: wrong collector or intercepted connection");
  return found;
}

}  // namespace telltale::agent
