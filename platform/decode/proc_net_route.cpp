#include "platform/decode/proc_net_route.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

namespace telltale::decode {
namespace {

std::vector<std::string> split_ws(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  std::string f;
  while (in >> f) out.push_back(f);
  return out;
}

bool hex32(const std::string& s, uint32_t& out) {
  std::string_view v = s;
  if (v.starts_with("0x")) v.remove_prefix(2);
  if (v.empty() || v.size() > 8) return false;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out, 16);
  return ec == std::errc() && end == v.data() + v.size();
}

template <typename F>
void for_each_data_line(std::string_view text, F f) {
  bool header = true;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (header) {
      header = false;
      continue;
    }
    f(line);
  }
}

bool is_mac(const std::string& s) {
  if (s.size() != 17) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (i % 3 == 2 ? s[i] != ':' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

}  // namespace

std::vector<Route> parse_proc_net_route(std::string_view text) {
  std::vector<Route> routes;
  for_each_data_line(text, [&](std::string_view line) {
    // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
    auto f = split_ws(line);
    if (f.size() < 8) return;
    Route r;
    r.iface = f[0];
    uint32_t metric = 0;
    auto [end, ec] = std::from_chars(f[6].data(), f[6].data() + f[6].size(), metric);
    if (ec != std::errc() || end != f[6].data() + f[6].size()) return;
    if (!hex32(f[1], r.destination) || !hex32(f[2], r.gateway) || !hex32(f[3], r.flags) || !hex32(f[7], r.mask)) return;
    r.metric = metric;
    routes.push_back(std::move(r));
  });
  return routes;
}

std::vector<ArpEntry> parse_proc_net_arp(std::string_view text) {
  std::vector<ArpEntry> entries;
  for_each_data_line(text, [&](std::string_view line) {
    // IP address  HW type  Flags  HW address  Mask  Device
    auto f = split_ws(line);
    if (f.size() < 6 || !is_mac(f[3])) return;
    ArpEntry e;
    e.ip = f[0];
    if (!hex32(f[2], e.flags)) return;
    e.mac = f[3];
    std::transform(e.mac.begin(), e.mac.end(), e.mac.begin(), [](unsigned char c) { return std::tolower(c); });
    e.device = f[5];
    entries.push_back(std::move(e));
  });
  return entries;
}

std::optional<Route> default_route(const std::vector<Route>& routes) {
  std::optional<Route> best;
  for (const auto& r : routes) {
    if (r.destination != 0 || r.mask != 0 || (r.flags & 0x3) != 0x3) continue;
    if (!best || r.metric < best->metric) best = r;
  }
  return best;
}

std::string ipv4_from_route_word(uint32_t word) {
  // The word is a __be32 printed as a little-endian integer: the first octet is the low byte.
  return std::to_string(word & 0xff) + "." + std::to_string((word >> 8) & 0xff) + "." +
         std::to_string((word >> 16) & 0xff) + "." + std::to_string(word >> 24);
}

std::optional<int> prefix_length(uint32_t mask_word) {
  const uint32_t host_order = ((mask_word & 0xff) << 24) | ((mask_word & 0xff00) << 8) | ((mask_word >> 8) & 0xff00) |
                              (mask_word >> 24);
  int bits = 0;
  while (bits < 32 && (host_order & (0x80000000u >> bits))) ++bits;
  const uint32_t expected = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  if (host_order != expected) return std::nullopt;
  return bits;
}

}  // namespace telltale::decode
