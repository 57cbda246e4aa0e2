// tcp_balancer: the "one TCP load balancer in front of several collectors"
// of a multi-collector deployment, small enough for a test. Each accepted
// connection goes to the next backend in turn; a backend that refuses the
// connection (killed) is skipped, so agents that reconnect land on a
// survivor. TLS passes through untouched (layer 4, like HAProxy in tcp mode).
//
//   tcp_balancer PORT_FILE HOST:PORT [HOST:PORT...]
//
// Listens on 127.0.0.1 on a port the kernel picks and writes it to PORT_FILE.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Backend {
  std::string host;
  uint16_t port;
};

int dial(const Backend& b) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(b.port);
  inet_pton(AF_INET, b.host.c_str(), &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Copies both ways until either side closes, then closes both: a collector
// that dies ends its agents' connections, as a real balancer does.
void pump(int a, int b) {
  char buf[64 * 1024];
  pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) break;
    bool done = false;
    for (int i = 0; i < 2 && !done; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        done = true;
        break;
      }
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(fds[1 - i].fd, buf + off, static_cast<size_t>(n - off));
        if (w <= 0) {
          done = true;
          break;
        }
        off += w;
      }
    }
    if (done) break;
  }
  close(a);
  close(b);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tcp_balancer PORT_FILE HOST:PORT [HOST:PORT...]\n");
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<Backend> backends;
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    auto colon = s.rfind(':');
    if (colon == std::string::npos) {
      std::fprintf(stderr, "tcp_balancer: backend \"%s\" is not HOST:PORT\n", argv[i]);
      return 2;
    }
    backends.push_back({s.substr(0, colon), static_cast<uint16_t>(std::stoi(s.substr(colon + 1)))});
  }
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener, 512) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("tcp_balancer: listen");
    return 1;
  }
  {
    const std::string tmp = std::string(argv[1]) + ".tmp";
    std::ofstream(tmp) << ntohs(addr.sin_port) << "\n";
    std::rename(tmp.c_str(), argv[1]);
  }
  std::atomic<size_t> next{0};
  for (;;) {
    int client = accept(listener, nullptr, nullptr);
    if (client < 0) continue;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::thread([client, &backends, &next] {
      const size_t start = next++;
      for (size_t i = 0; i < backends.size(); ++i) {
        const auto& b = backends[(start + i) % backends.size()];
        int upstream = dial(b);
        if (upstream >= 0) {
          std::fprintf(stderr, "tcp_balancer: connection -> %s:%u\n", b.host.c_str(), b.port);
          pump(client, upstream);
          return;
        }
      }
      std::fprintf(stderr, "tcp_balancer: no backend accepts; closing the client\n");
      close(client);
    }).detach();
  }
}
