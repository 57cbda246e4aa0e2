// fuzz-links: telltale_decode
// /proc/net/tcp, tcp6, route, arp, fib_trie and if_inet6 text: never crash,
// never more errors than the bound, every socket has a decoded address.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/decode/proc_net_addr.h"
#include "platform/decode/proc_net_route.h"
#include "platform/decode/proc_net_tcp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool v6 : {false, true}) {
    auto t = telltale::decode::parse_proc_net_tcp(text, v6);
    if (t.errors.size() > telltale::decode::TcpTable::kMaxErrors) __builtin_trap();
    for (const auto& s : t.sockets)
      if (s.local_ip.empty() || s.remote_ip.empty()) __builtin_trap();
  }
  auto routes = telltale::decode::parse_proc_net_route(text);
  if (auto gw = telltale::decode::default_route(routes)) (void)telltale::decode::ipv4_from_route_word(gw->gateway);
  for (const auto& r : routes) (void)telltale::decode::prefix_length(r.mask);
  (void)telltale::decode::parse_proc_net_arp(text);
  (void)telltale::decode::parse_fib_trie_local_addresses(text);
  (void)telltale::decode::parse_if_inet6(text);
  return 0;
}
