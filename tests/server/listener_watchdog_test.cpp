#include "server/collector/listener_watchdog.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

namespace telltale::server {
namespace {

using namespace std::chrono_literals;

// A real listening socket on loopback whose accepting we control.
struct Listener {
  int fd = -1;
  uint16_t port = 0;
  Listener() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd, 128), 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd); }
  int connect_one() const {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    return c;
  }
};

TEST(ListenerWatchdog, FindsItsOwnListeningDescriptorAndReadsTheBacklog) {
  Listener l;
  std::string error;
  auto fd = find_listening_fd("/proc", l.port, &error);
  ASSERT_TRUE(fd) << error;
  EXPECT_EQ(*fd, l.fd);
  EXPECT_EQ(accept_backlog(l.fd), 0u);
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(l.connect_one());
  EXPECT_EQ(accept_backlog(l.fd), 3u);
  for (int c : clients) close(c);
  EXPECT_FALSE(accept_backlog(clients[0]));  // closed, and never a listener
  EXPECT_FALSE(find_listening_fd("/proc", 1, &error));
  EXPECT_NE(error.find("no socket listens on port 1"), std::string::npos) << error;
}

TEST(ListenerWatchdog, AfterGrpcLogsAnAcceptFailureAWaitingConnectionMeansWedged) {
  reset_grpc_accept_failure();
  Listener l;
  std::atomic<bool> wedged{false};
  std::string why;
  ListenerWatchdog dog(l.port, {.interval = 20ms, .wedged_after = 60s}, [&](const std::string& w) {
    why = w;
    wedged = true;
  });
  ASSERT_FALSE(dog.start());
  int c = l.connect_one();
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(wedged) << "a waiting connection alone is not a wedge";
  note_grpc_log_message("Some other gRPC error");
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(wedged);
  note_grpc_log_message("Failed accept4: Too many open files");
  for (int i = 0; i < 100 && !wedged; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(wedged);
  EXPECT_NE(why.find("Failed accept4: Too many open files"), std::string::npos) << why;
  EXPECT_NE(why.find("accept backlog 1"), std::string::npos) << why;
  dog.stop();
  close(c);
  reset_grpc_accept_failure();
}

TEST(ListenerWatchdog, AFullBacklogThatNeverShrinksIsNotAWedgeWithoutAnAcceptFailure) {
  // A storm keeps a healthy server's queue full; only gRPC's own accept
  // failure says its listener is dead (a backlog heuristic restarted a
  // healthy collector at 15,000 agents).
  reset_grpc_accept_failure();
  Listener l;
  std::atomic<bool> wedged{false};
  ListenerWatchdog dog(l.port, {.interval = 10ms, .wedged_after = 100ms}, [&](const std::string&) { wedged = true; });
  ASSERT_FALSE(dog.start());
  std::vector<int> clients;
  for (int i = 0; i < 20; ++i) clients.push_back(l.connect_one());
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(dog.backlog(), 20u);
  EXPECT_FALSE(wedged);
  dog.stop();
  for (int c : clients) close(c);
}

TEST(ListenerWatchdog, AnAcceptFailureWithNobodyWaitingStillEndsAfterTheWindow) {
  reset_grpc_accept_failure();
  Listener l;
  std::atomic<bool> wedged{false};
  ListenerWatchdog dog(l.port, {.interval = 10ms, .wedged_after = 200ms}, [&](const std::string&) { wedged = true; });
  ASSERT_FALSE(dog.start());
  note_grpc_log_message("Failed accept4: Cannot allocate memory");
  for (int i = 0; i < 100 && !wedged; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(wedged) << "the listener is dead even if nobody is connecting right now";
  EXPECT_FALSE(ListenerWatchdog(l.port, {.wedged_after = 0ms}, [](const std::string&) {}).start())
      << "0 turns it off without looking for the socket";
  dog.stop();
  reset_grpc_accept_failure();
}

}  // namespace
}  // namespace telltale::server
