#pragma once
// Interface addresses without a privileged call: /proc/net/if_inet6
// (net/ipv6/addrconf.c if6_seq_show) and the local host entries of
// /proc/net/fib_trie (net/ipv4/fib_trie.c). Pure: text in, addresses out.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace telltale::decode {

struct Inet6Address {
  std::string iface;
  std::string address;  // compressed form, e.g. "fe80::a00:27ff:fe2c:1f7c"
  uint32_t prefix = 0;
  uint32_t scope = 0;   // 0x00 global, 0x20 link, 0x10 host
};

std::vector<Inet6Address> parse_if_inet6(std::string_view text);

// IPv4 addresses assigned to this host: each "|-- A.B.C.D" leaf followed by a
// "/32 host LOCAL" line. Deduplicated, in first-seen order.
std::vector<std::string> parse_fib_trie_local_addresses(std::string_view text);

}  // namespace telltale::decode
