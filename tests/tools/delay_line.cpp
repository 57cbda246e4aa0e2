// delay_line NS_A NS_B DELAY_MS
//
// A userspace delay line between two network namespaces, for kernels without
// the netem qdisc. Creates TUN device "dla" in NS_A and "dlb" in NS_B (IFF_TUN,
// no packet info), then copies every IP packet read from one to the other,
// holding it DELAY_MS first. Prints "ready" once both devices exist; the
// caller assigns addresses. Exits on SIGTERM/SIGINT or when stdin closes.
// It only ever touches the two TUN devices it created.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
volatile sig_atomic_t g_stop = 0;

int open_tun_in(const std::string& ns, const char* name) {
  const std::string path = "/run/netns/" + ns;
  int nsfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "delay_line: cannot enter %s: %s\n", path.c_str(), std::strerror(errno));
    return -1;
  }
  ::close(nsfd);
  // The TUN device is created in the network namespace of the opener.
  int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    std::fprintf(stderr, "delay_line: /dev/net/tun: %s\n", std::strerror(errno));
    return -1;
  }
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
    std::fprintf(stderr, "delay_line: TUNSETIFF %s: %s\n", name, std::strerror(errno));
    return -1;
  }
  return fd;
}

struct Held {
  Clock::time_point release;
  int out_fd;
  std::vector<char> packet;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: delay_line NS_A NS_B DELAY_MS\n");
    return 2;
  }
  const auto delay = std::chrono::milliseconds(std::stol(argv[3]));
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop = 1; };
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);

  const int a = open_tun_in(argv[1], "dla");
  const int b = open_tun_in(argv[2], "dlb");
  if (a < 0 || b < 0) return 1;
  std::printf("ready\n");
  std::fflush(stdout);

  // Each direction is FIFO with a constant delay, so one queue ordered by release time suffices.
  std::deque<Held> queue;
  std::vector<char> buf(65536);
  while (!g_stop) {
    int timeout = 100;
    if (!queue.empty()) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(queue.front().release - Clock::now()).count();
      timeout = static_cast<int>(std::max<long>(0, std::min<long>(wait, 100)));
    }
    pollfd fds[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    int ready = ::poll(fds, 3, timeout);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0) {
      if (fds[2].revents & (POLLIN | POLLHUP)) {
        char c;
        if (::read(STDIN_FILENO, &c, 1) <= 0) break;  // the test went away
      }
      for (int i = 0; i < 2; ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        for (;;) {
          ssize_t n = ::read(fds[i].fd, buf.data(), buf.size());
          if (n <= 0) break;
          queue.push_back({Clock::now() + delay, i == 0 ? b : a, std::vector<char>(buf.begin(), buf.begin() + n)});
        }
      }
    }
    const auto now = Clock::now();
    while (!queue.empty() && queue.front().release <= now) {
      auto& h = queue.front();
      [[maybe_unused]] auto n = ::write(h.out_fd, h.packet.data(), h.packet.size());
      queue.pop_front();
    }
  }
  ::close(a);
  ::close(b);
  return 0;
}
