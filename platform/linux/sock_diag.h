#pragma once
// Kernel-measured TCP round-trip times via NETLINK_SOCK_DIAG (inet_diag with
// INET_DIAG_INFO → struct tcp_info). Works unprivileged; answers for the
// network namespace of the calling thread only.
#include <cstdint>
#include <string>
#include <unordered_map>

namespace telltale::platform::linux_probe {

struct TcpRtt {
  uint32_t rtt_us = 0;     // tcpi_rtt (smoothed)
  uint32_t rttvar_us = 0;  // tcpi_rttvar
};

struct SockDiagResult {
  std::unordered_map<uint64_t, TcpRtt> by_inode;  // established sockets, IPv4 and IPv6
  std::string error;                              // set when the kernel gave no answer
};

// One dump per address family of established TCP sockets.
SockDiagResult established_tcp_rtts();

}  // namespace telltale::platform::linux_probe
