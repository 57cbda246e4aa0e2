#include "platform/linux/latency_anchors.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform/decode/rtt_summary.h"

namespace {

using telltale::platform::ProbeContext;
using telltale::platform::linux_probe::LatencyAnchorsProbe;

// A loopback listener; the kernel completes handshakes into the backlog without accept().
struct Listener {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  uint16_t port = 0;
  Listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 64);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd); }
};

uint16_t closed_port() {
  Listener l;
  return l.port;  // closed when l goes out of scope: connects are refused
}

TEST(RttSummary, KnownSamples_GiveMinMedianP95MaxAndJitter) {
  auto s = telltale::decode::summarize_rtt({100, 300, 200, 400, 1000});
  EXPECT_EQ(s.samples(), 5u);
  EXPECT_EQ(s.min_us(), 100u);
  EXPECT_EQ(s.median_us(), 300u);
  EXPECT_EQ(s.p95_us(), 1000u);
  EXPECT_EQ(s.max_us(), 1000u);
  EXPECT_EQ(s.jitter_us(), (200u + 100u + 200u + 600u) / 4u);
  EXPECT_EQ(telltale::decode::summarize_rtt({}).samples(), 0u);
}

TEST(LatencyAnchors, LoopbackListener_AllConnectsSucceedAndAreSummarisedInOrder) {
  Listener l;
  ASSERT_GT(l.port, 0);
  ProbeContext ctx;
  ctx.latency_anchors = {"127.0.0.1:" + std::to_string(l.port)};
  telltale::v1::Snapshot s;
  LatencyAnchorsProbe probe;
  probe.collect(ctx, s);
  ASSERT_EQ(s.latency().anchors_size(), 1);
  const auto& a = s.latency().anchors(0);
  EXPECT_EQ(a.endpoint(), ctx.latency_anchors[0]);
  EXPECT_EQ(a.failures(), 0u);
  EXPECT_EQ(a.rtt().samples(), 5u);
  EXPECT_LE(a.rtt().min_us(), a.rtt().median_us());
  EXPECT_LE(a.rtt().median_us(), a.rtt().p95_us());
  // No absolute bound on the RTT itself: a loaded CI machine stretches a
  // loopback connect arbitrarily, and the ordering above is what the probe owns.
  EXPECT_LE(a.rtt().p95_us(), a.rtt().max_us());
}

TEST(LatencyAnchors, RefusedPortAndMalformedEndpoint_CountAsFailures) {
  ProbeContext ctx;
  ctx.latency_anchors = {"127.0.0.1:" + std::to_string(closed_port()), "no-port-here"};
  telltale::v1::Snapshot s;
  LatencyAnchorsProbe probe(LatencyAnchorsProbe::Limits{3, std::chrono::milliseconds(200), std::chrono::milliseconds(2000), 16});
  probe.collect(ctx, s);
  ASSERT_EQ(s.latency().anchors_size(), 2);
  EXPECT_EQ(s.latency().anchors(0).failures(), 3u);
  EXPECT_EQ(s.latency().anchors(0).rtt().samples(), 0u);
  EXPECT_EQ(s.latency().anchors(1).failures(), 3u);
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_NE(s.errors(0).message().find("not host:port"), std::string::npos);
}

TEST(LatencyAnchors, Ipv6LoopbackBracketForm_IsAccepted) {
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  ::listen(fd, 16);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ProbeContext ctx;
  ctx.latency_anchors = {"[::1]:" + std::to_string(ntohs(a.sin6_port))};
  telltale::v1::Snapshot s;
  LatencyAnchorsProbe probe;
  probe.collect(ctx, s);
  ::close(fd);
  EXPECT_EQ(s.latency().anchors(0).failures(), 0u);
}

}  // namespace
