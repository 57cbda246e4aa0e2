// The agent gives up a channel that keeps failing and opens a new one, so a
// connection attempt gRPC left stalled cannot hold reports back for good.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "agent/spool/spool.h"
#include "agent/transport/transport.h"
#include "support/temp_dir.h"

namespace telltale::agent {
namespace {

// A loopback port nobody listens on: bound, never listening, so connects are refused.
struct RefusingPort {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  uint16_t port = 0;
  RefusingPort() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~RefusingPort() { ::close(fd); }
};

// A loopback port that accepts TCP connections (the kernel completes them
// from the backlog) and never says a word: a TLS handshake started there
// never ends. A wedged collector or a black-holing middlebox looks like this.
struct SilentPort : RefusingPort {
  SilentPort() { ::listen(fd, 16); }
};

TransportOptions options_for(uint16_t port, std::chrono::milliseconds reset_after) {
  TransportOptions o;
  o.address = "127.0.0.1:" + std::to_string(port);
  o.backoff_base = std::chrono::milliseconds(10);
  o.backoff_cap = std::chrono::milliseconds(40);
  o.channel_reset_after = reset_after;
  o.reconnect_wait = std::chrono::milliseconds(20);
  return o;
}

// A transport running on its own thread, as the agent runs it; stop()
// returns how long the transport took to stop.
class RunningTransport {
 public:
  explicit RunningTransport(TransportOptions options)
      : spool_(dir_.path() / "spool.db", {}), transport_(std::move(options), spool_, {}),
        runner_([this] { transport_.run(); }) {}
  ~RunningTransport() { stop(); }
  std::chrono::steady_clock::duration stop() {
    const auto asked = std::chrono::steady_clock::now();
    transport_.stop();
    if (runner_.joinable()) runner_.join();
    return std::chrono::steady_clock::now() - asked;
  }
  const Transport& transport() const { return transport_; }

 private:
  testing::TempDir dir_;
  Spool spool_;
  Transport transport_;
  std::thread runner_;
};

// Runs the transport until `done` says enough happened. The count of
// sessions, not the time, is what the tests reason about: a loaded machine
// runs fewer sessions per second, which must not change the verdict.
template <typename Done>
const Transport& run_until(RunningTransport& running, Done done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done(running.transport()) && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  running.stop();
  return running.transport();
}

TEST(TransportChannelReset, SessionsFailingPastTheLimitGetANewChannel) {
  RefusingPort port;
  RunningTransport running(options_for(port.port, std::chrono::milliseconds(200)));
  const auto& t = run_until(running, [](const Transport& t) { return t.channel_resets() >= 2; });
  EXPECT_GE(t.channel_resets(), 2u);
  EXPECT_GT(t.sessions(), 3u);
}

TEST(TransportChannelReset, ShortOutagesKeepTheChannel) {
  // Six refused sessions take well under a second at 10-40 ms backoff; the
  // channel is only replaced after 30 s of failures.
  RefusingPort port;
  RunningTransport running(options_for(port.port, std::chrono::seconds(30)));
  const auto& t = run_until(running, [](const Transport& t) { return t.sessions() > 5; });
  EXPECT_GT(t.sessions(), 5u);
  EXPECT_EQ(t.channel_resets(), 0u);
}

// A session waits on its channel for the connection attempt, and gives up
// after connect_timeout when the handshake never ends: a silent peer cannot
// hold the agent, and such failures count towards the channel reset.
TEST(TransportConnectWait, SilentPeer_SessionsGiveUpAfterTheConnectTimeoutAndTheChannelIsReplaced) {
  SilentPort port;
  auto options = options_for(port.port, std::chrono::milliseconds(500));
  options.connect_timeout = std::chrono::milliseconds(300);
  RunningTransport running(std::move(options));
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  running.stop();
  EXPECT_EQ(running.transport().sessions(), 0u) << "no stream opens on a channel that never connected";
  EXPECT_GE(running.transport().channel_resets(), 1u) << "300 ms timeouts for 2 s must pass the 500 ms reset limit";
}

// stop() is prompt even while a session waits for a connection that will
// never come (the agent's SIGTERM path, and systemd's stop timeout).
TEST(TransportConnectWait, StopDuringAConnectionAttemptReturnsPromptly) {
  SilentPort port;
  auto options = options_for(port.port, std::chrono::seconds(30));
  options.connect_timeout = std::chrono::seconds(60);
  RunningTransport running(std::move(options));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The wait polls in 100 ms slices; 5 s leaves room for a loaded machine
  // and is still far from the 60 s the attempt would otherwise take.
  EXPECT_LT(running.stop(), std::chrono::seconds(5));
}

}  // namespace
}  // namespace telltale::agent
