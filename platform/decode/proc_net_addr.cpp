#include "platform/decode/proc_net_addr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <sstream>

namespace telltale::decode {
namespace {

bool parse_hex(std::string_view s, uint32_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::vector<Inet6Address> parse_if_inet6(std::string_view text) {
  std::vector<Inet6Address> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    // "fe800000000000000a0027fffe2c1f7c 02 40 20 80     eth0": address in network order, no header.
    std::istringstream f(line);
    std::string hex, index, prefix, scope, flags, name;
    if (!(f >> hex >> index >> prefix >> scope >> flags >> name) || hex.size() != 32) continue;
    std::array<uint8_t, 16> bytes{};
    bool ok = true;
    for (size_t i = 0; i < 16 && ok; ++i) {
      uint32_t b = 0;
      ok = parse_hex(std::string_view(hex).substr(i * 2, 2), b);
      bytes[i] = static_cast<uint8_t>(b);
    }
    Inet6Address a;
    char buf[INET6_ADDRSTRLEN] = {};
    if (!ok || !parse_hex(prefix, a.prefix) || !parse_hex(scope, a.scope) || a.prefix > 128 ||
        !inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf))
      continue;
    a.iface = name;
    a.address = buf;
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<std::string> parse_fib_trie_local_addresses(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string line, leaf;
  while (std::getline(in, line)) {
    auto leaf_at = line.find("|-- ");
    if (leaf_at != std::string::npos) {
      leaf = line.substr(leaf_at + 4);
      while (!leaf.empty() && (leaf.back() == ' ' || leaf.back() == '\r')) leaf.pop_back();
      continue;
    }
    if (line.find("/32 host LOCAL") == std::string::npos || leaf.empty()) continue;
    in_addr probe{};
    if (inet_pton(AF_INET, leaf.c_str(), &probe) != 1) continue;
    if (std::find(out.begin(), out.end(), leaf) == out.end()) out.push_back(leaf);
  }
  return out;
}

}  // namespace telltale::decode
