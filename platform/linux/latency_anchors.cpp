#include "platform/linux/latency_anchors.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <optional>

#include "platform/common/log.h"
#include "platform/decode/rtt_summary.h"

namespace telltale::platform::linux_probe {
namespace {

using Clock = std::chrono::steady_clock;

bool split_endpoint(const std::string& endpoint, std::string& host, std::string& port) {
  if (endpoint.starts_with("[")) {
    auto close = endpoint.find("]:");
    if (close == std::string::npos) return false;
    host = endpoint.substr(1, close - 1);
    port = endpoint.substr(close + 2);
  } else {
    auto colon = endpoint.rfind(':');
    if (colon == std::string::npos || endpoint.find(':') != colon) return false;
    host = endpoint.substr(0, colon);
    port = endpoint.substr(colon + 1);
  }
  return !host.empty() && !port.empty();
}

// One non-blocking connect; the time from connect() to writable-with-no-error is one handshake RTT.
std::optional<uint32_t> time_connect(const addrinfo& ai, std::chrono::milliseconds timeout) {
  int fd = ::socket(ai.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  const auto start = Clock::now();
  int rc = ::connect(fd, ai.ai_addr, ai.ai_addrlen);
  if (rc < 0 && errno != EINPROGRESS) {
    ::close(fd);
    return std::nullopt;
  }
  if (rc < 0) {
    pollfd p{fd, POLLOUT, 0};
    int ready;
    do ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    while (ready < 0 && errno == EINTR);
    int err = 0;
    socklen_t len = sizeof err;
    if (ready <= 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
      ::close(fd);
      return std::nullopt;
    }
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  ::close(fd);
  return static_cast<uint32_t>(std::max<int64_t>(elapsed, 0));
}

}  // namespace

void LatencyAnchorsProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  const auto deadline = Clock::now() + limits_.total_budget;
  auto* latency = out.mutable_latency();
  size_t count = 0;
  for (const auto& endpoint : ctx.latency_anchors) {
    if (++count > limits_.max_anchors) break;
    auto* anchor = latency->add_anchors();
    anchor->set_endpoint(endpoint);
    std::string host, port;
    if (!split_endpoint(endpoint, host, port)) {
      anchor->set_failures(static_cast<uint32_t>(limits_.connects_per_anchor));
      *anchor->mutable_rtt() = decode::summarize_rtt({});
      auto* e = out.add_errors();
      e->set_probe(std::string(name()));
      e->set_path(endpoint);
      e->set_message("anchor \"" + endpoint + "\" is not host:port");
      continue;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const int gai = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
    std::vector<uint32_t> samples;
    uint32_t failures = 0;
    for (int i = 0; i < limits_.connects_per_anchor; ++i) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (gai != 0 || res == nullptr || left.count() <= 0) {
        ++failures;
        continue;
      }
      auto rtt = time_connect(*res, std::min(limits_.connect_timeout, left));
      if (rtt) samples.push_back(*rtt);
      else ++failures;
    }
    if (res) ::freeaddrinfo(res);
    *anchor->mutable_rtt() = decode::summarize_rtt(samples);
    anchor->set_failures(failures);
    spdlog::debug("event=anchor_rtt endpoint={} samples={} failures={} median_us={}", log::q(endpoint), samples.size(),
                  failures, anchor->rtt().median_us());
  }
}

}  // namespace telltale::platform::linux_probe
