#pragma once
// /proc/net/tcp and /proc/net/tcp6 as net/ipv4/tcp_ipv4.c (get_tcp4_sock) and
// net/ipv6/tcp_ipv6.c (get_tcp6_sock) print them. Pure: text in, sockets out.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace telltale::decode {

enum TcpState : uint8_t { kTcpEstablished = 0x01, kTcpListen = 0x0A };

struct TcpSocket {
  std::string local_ip;   // "127.0.0.1", "::1", "::ffff:10.0.0.2"
  uint16_t local_port = 0;
  std::string remote_ip;
  uint16_t remote_port = 0;
  uint8_t state = 0;      // TCP_ESTABLISHED 0x01, TCP_LISTEN 0x0A …
  uint32_t uid = 0;
  uint64_t inode = 0;     // matches the fd link "socket:[INODE]"
  bool ipv6 = false;
  // "tx_queue:rx_queue", hex. For a LISTEN socket rx_queue is the accept
  // backlog: connections the kernel completed that the server has not accepted.
  uint32_t tx_queue = 0;
  uint32_t rx_queue = 0;
};

struct TcpTable {
  std::vector<TcpSocket> sockets;
  std::vector<std::string> errors;  // "line 4: local address \"zz\" is not hex"; at most kMaxErrors
  static constexpr size_t kMaxErrors = 16;
};

// ipv6 selects the 32-hex-digit address form of tcp6. The header line is skipped.
TcpTable parse_proc_net_tcp(std::string_view text, bool ipv6);

// "ip:port" or "[ip]:port" for IPv6.
std::string format_endpoint(const std::string& ip, uint16_t port, bool ipv6);

// Kernel hex for an address in network order: "0100007F" → "127.0.0.1"; 32 digits for IPv6
// (four 32-bit words, each in host byte order = little-endian). Empty when malformed.
std::string decode_hex_address(std::string_view hex);

}  // namespace telltale::decode
