#pragma once
// /proc/net/route (net/ipv4/fib_trie.c fib_route_seq_show) and /proc/net/arp
// (net/ipv4/arp.c arp_format_neigh_entry). Pure: text in, entries out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace telltale::decode {

struct Route {
  std::string iface;
  uint32_t destination = 0;  // network byte order as the kernel prints it (%08X of a __be32)
  uint32_t gateway = 0;
  uint32_t flags = 0;        // RTF_UP 0x1, RTF_GATEWAY 0x2, RTF_HOST 0x4
  uint32_t metric = 0;
  uint32_t mask = 0;
};

struct ArpEntry {
  std::string ip;
  std::string mac;  // lowercase colon hex
  uint32_t flags = 0;  // ATF_COM 0x2 = complete
  std::string device;
};

std::vector<Route> parse_proc_net_route(std::string_view text);
std::vector<ArpEntry> parse_proc_net_arp(std::string_view text);

// The up default route with a gateway and the lowest metric.
std::optional<Route> default_route(const std::vector<Route>& routes);
// A __be32 as printed in /proc/net/route ("0101A8C0") → "192.168.1.1".
std::string ipv4_from_route_word(uint32_t word);
// Number of leading one bits of a network-order mask word; nullopt when not contiguous.
std::optional<int> prefix_length(uint32_t mask_word);

}  // namespace telltale::decode
