#include "platform/decode/proc_net_tcp.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>

namespace telltale::decode {
namespace {

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <typename T>
bool parse_number(std::string_view s, T& out, int base) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && end == s.data() + s.size();
}

bool parse_endpoint(std::string_view text, bool ipv6, std::string& ip, uint16_t& port) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  auto addr = text.substr(0, colon);
  if (addr.size() != (ipv6 ? 32u : 8u)) return false;
  ip = decode_hex_address(addr);
  return !ip.empty() && text.size() - colon - 1 == 4 && parse_number(text.substr(colon + 1), port, 16);
}

}  // namespace

std::string decode_hex_address(std::string_view hex) {
  if (hex.size() != 8 && hex.size() != 32) return "";
  std::array<uint8_t, 16> bytes{};
  const size_t words = hex.size() / 8;
  for (size_t w = 0; w < words; ++w) {
    uint32_t v = 0;
    if (!parse_number(hex.substr(w * 8, 8), v, 16)) return "";
    // The kernel prints each __be32 word with %08X as a host (little-endian) integer.
    for (int b = 0; b < 4; ++b) bytes[w * 4 + b] = static_cast<uint8_t>(v >> (8 * b));
  }
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(words == 1 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf)) return "";
  return buf;
}

std::string format_endpoint(const std::string& ip, uint16_t port, bool ipv6) {
  return ipv6 ? "[" + ip + "]:" + std::to_string(port) : ip + ":" + std::to_string(port);
}

TcpTable parse_proc_net_tcp(std::string_view text, bool ipv6) {
  TcpTable table;
  size_t line_no = 0;
  auto fail = [&](const std::string& why) {
    if (table.errors.size() < TcpTable::kMaxErrors) table.errors.push_back("line " + std::to_string(line_no) + ": " + why);
  };
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line_no == 1) continue;  // "  sl  local_address rem_address   st tx_queue ..."
    auto f = fields(line);
    if (f.empty()) continue;
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    if (f.size() < 10) {
      fail("expected at least 10 fields, got " + std::to_string(f.size()));
      continue;
    }
    if (f[0].empty() || f[0].back() != ':') {
      fail("slot \"" + std::string(f[0]) + "\" does not end in ':'");
      continue;
    }
    TcpSocket s;
    s.ipv6 = ipv6;
    if (!parse_endpoint(f[1], ipv6, s.local_ip, s.local_port)) {
      fail("local address \"" + std::string(f[1]) + "\" is not " + (ipv6 ? "32" : "8") + " hex digits:port");
      continue;
    }
    if (!parse_endpoint(f[2], ipv6, s.remote_ip, s.remote_port)) {
      fail("remote address \"" + std::string(f[2]) + "\" is not " + (ipv6 ? "32" : "8") + " hex digits:port");
      continue;
    }
    if (f[3].size() != 2 || !parse_number(f[3], s.state, 16)) {
      fail("state \"" + std::string(f[3]) + "\" is not two hex digits");
      continue;
    }
    {
      const auto colon = f[4].find(':');
      if (colon == std::string_view::npos || !parse_number(f[4].substr(0, colon), s.tx_queue, 16) ||
          !parse_number(f[4].substr(colon + 1), s.rx_queue, 16)) {
        fail("queues \"" + std::string(f[4]) + "\" are not hex tx:rx");
        continue;
      }
    }
    if (!parse_number(f[7], s.uid, 10) || !parse_number(f[9], s.inode, 10)) {
      fail("uid \"" + std::string(f[7]) + "\" or inode \"" + std::string(f[9]) + "\" is not decimal");
      continue;
    }
    table.sockets.push_back(std::move(s));
  }
  return table;
}

}  // namespace telltale::decode
