#include "platform/linux/network.h"

#include <arpa/inet.h>

#include <algorithm>
#include <system_error>

#include "platform/common/file.h"
#include "platform/decode/keyboard_config.h"
#include "platform/decode/proc_net_addr.h"
#include "platform/decode/proc_net_route.h"
#include "platform/decode/sysfs_values.h"
#include "platform/linux/root_path.h"

namespace telltale::platform::linux_probe {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMaxInterfaces = 512;

bool is_vpn_name(std::string_view name) {
  for (std::string_view prefix : {"tun", "tap", "wg", "tailscale", "ppp", "ipsec", "vti", "nordlynx", "proton",
                                  "astrill", "zt", "utun", "cscotun", "gpd"})
    if (name.starts_with(prefix)) return true;
  return false;
}

std::string kind_of(const fs::path& dir, std::string_view name, bool is_virtual) {
  std::error_code ec;
  auto type = read_attribute(dir / "type").value_or("");
  auto uevent = read_attribute(dir / "uevent").value_or("");
  if (type == "772") return "loopback";
  if (fs::exists(dir / "wireless", ec) || fs::exists(dir / "phy80211", ec) || uevent.find("DEVTYPE=wlan") != std::string::npos)
    return "wifi";
  if (uevent.find("DEVTYPE=wireguard") != std::string::npos || name.starts_with("wg")) return "wireguard";
  if (fs::exists(dir / "tun_flags", ec)) return "tun";
  if (fs::exists(dir / "bridge", ec)) return "bridge";
  if (is_virtual) return "virtual";
  if (type == "1") return "ethernet";
  return "other";
}

uint32_t ipv4_word(const std::string& ip) {
  in_addr a{};
  inet_pton(AF_INET, ip.c_str(), &a);
  return a.s_addr;  // network order in memory, same as the route table's words
}

std::optional<std::string> keyfile_value(const std::string& text, const std::string& section, const std::string& key) {
  for (const auto& e : decode::parse_ini(text))
    if (e.section == section && e.key == key) return e.value;
  return std::nullopt;
}

}  // namespace

void NetworkProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto* net = out.mutable_network();
  std::vector<decode::Route> routes;
  const auto route_path = under(ctx.root, "proc/net/route");
  if (auto text = read_file(route_path, 1024 * 1024); text.data) routes = decode::parse_proc_net_route(*text.data);
  else record_error(out, name(), ctx.root, route_path, "unreadable: " + text.error);

  // The neighbour table as the kernel already holds it: reading it sends
  // nothing, so the laptop never scans its LAN.
  std::vector<decode::ArpEntry> arp;
  const auto arp_path = under(ctx.root, "proc/net/arp");
  if (auto text = read_file(arp_path, 1024 * 1024); text.data) arp = decode::parse_proc_net_arp(*text.data);
  else record_error(out, name(), ctx.root, arp_path, "unreadable: " + text.error);

  if (auto gw = decode::default_route(routes)) {
    const auto gw_ip = decode::ipv4_from_route_word(gw->gateway);
    net->set_default_gateway_ip(gw_ip);
    net->set_default_interface(gw->iface);
    for (const auto& e : arp)
      if (e.ip == gw_ip && (e.flags & 0x2) && (e.device == gw->iface || net->default_gateway_mac().empty()))
        net->set_default_gateway_mac(e.mac);
  }
  constexpr size_t kMaxNeighbours = 256;
  size_t kept = 0;
  for (const auto& e : arp) {
    if (e.mac.empty() || e.mac == "00:00:00:00:00:00") continue;  // incomplete entries carry no address yet
    if (kept == kMaxNeighbours) {
      record_error(out, name(), ctx.root, arp_path,
                   std::to_string(arp.size()) + " neighbour entries, kept the first " + std::to_string(kMaxNeighbours));
      break;
    }
    auto* n = net->add_neighbours();
    n->set_ip(e.ip);
    n->set_mac(e.mac);
    n->set_interface_name(e.device);
    n->set_state((e.flags & 0x4) ? "permanent" : (e.flags & 0x2) ? "complete" : "incomplete");
    ++kept;
  }

  // IPv4 host addresses belong to the interface of the link route that contains them.
  std::vector<std::pair<std::string, std::string>> v4;  // iface, CIDR
  if (auto text = read_file(under(ctx.root, "proc/net/fib_trie"), 4 * 1024 * 1024); text.data) {
    for (const auto& ip : decode::parse_fib_trie_local_addresses(*text.data)) {
      const uint32_t word = ipv4_word(ip);
      if ((word & 0xff) == 127) {
        v4.emplace_back("lo", ip + "/8");
        continue;
      }
      const decode::Route* best = nullptr;
      int best_len = -1;
      for (const auto& r : routes) {
        auto len = decode::prefix_length(r.mask);
        if (!len || r.gateway != 0 || (word & r.mask) != r.destination || *len <= best_len) continue;
        best = &r;
        best_len = *len;
      }
      if (best) v4.emplace_back(best->iface, ip + "/" + std::to_string(best_len));
    }
  }
  std::vector<decode::Inet6Address> v6;
  if (auto text = read_file(under(ctx.root, "proc/net/if_inet6"), 1024 * 1024); text.data)
    v6 = decode::parse_if_inet6(*text.data);

  std::vector<fs::path> ifaces;
  std::error_code ec;
  const auto class_net = under(ctx.root, "sys/class/net");
  for (fs::directory_iterator it(class_net, ec), end; !ec && it != end && ifaces.size() < kMaxInterfaces; it.increment(ec))
    ifaces.push_back(it->path());
  if (ec) record_error(out, name(), ctx.root, class_net, "unreadable: " + ec.message());
  std::sort(ifaces.begin(), ifaces.end());
  std::string wifi_iface;
  for (const auto& dir : ifaces) {
    const auto ifname = dir.filename().string();
    std::error_code lec;
    const auto target = fs::read_symlink(dir, lec).string();  // "../../devices/virtual/net/lo"
    const bool is_virtual = target.find("devices/virtual/net/") != std::string::npos;
    auto* nic = net->add_interfaces();
    nic->set_name(ifname);
    nic->set_mac(read_attribute(dir / "address").value_or(""));
    nic->set_kind(kind_of(dir, ifname, is_virtual));
    nic->set_up(read_attribute(dir / "operstate").value_or("") == "up");
    nic->set_virtual_interface(is_virtual);
    std::error_code dec;
    auto driver = fs::read_symlink(dir / "device/driver", dec);
    if (!dec) nic->set_driver(driver.filename().string());
    for (const auto& [iface, cidr] : v4)
      if (iface == ifname) nic->add_addresses(cidr);
    for (const auto& a : v6)
      if (a.iface == ifname) nic->add_addresses(a.address + "/" + std::to_string(a.prefix));
    if (is_vpn_name(ifname) || nic->kind() == "tun" || nic->kind() == "wireguard") net->add_vpn_interfaces(ifname);
    if (nic->kind() == "wifi" && wifi_iface.empty()) wifi_iface = ifname;
  }

  // Wi-Fi: the interface the kernel lists as wireless, preferring the default route's.
  if (auto text = read_file(under(ctx.root, "proc/net/wireless")); text.data) {
    std::string first;
    size_t line_no = 0;
    for (size_t pos = 0; pos < text.data->size();) {
      auto nl = text.data->find('\n', pos);
      std::string_view line(text.data->data() + pos, (nl == std::string::npos ? text.data->size() : nl) - pos);
      pos = nl == std::string::npos ? text.data->size() : nl + 1;
      if (++line_no <= 2) continue;  // two header lines
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name(decode::trim(line.substr(0, colon)));
      if (first.empty()) first = name;
      if (name == net->default_interface()) first = name;
    }
    if (!first.empty()) wifi_iface = first;
  }
  if (wifi_iface.empty()) return;
  auto ifindex = read_attribute(class_net / wifi_iface / "ifindex");
  if (!ifindex) return;
  auto device_state = read_file(under(ctx.root, "run/NetworkManager/devices/" + *ifindex));
  if (!device_state.data) return;
  auto uuid = keyfile_value(*device_state.data, "device", "connection-uuid");
  if (!uuid || uuid->empty()) return;
  std::error_code cec;
  for (fs::directory_iterator it(under(ctx.root, "etc/NetworkManager/system-connections"), cec), end; !cec && it != end;
       it.increment(cec)) {
    auto profile = read_file(it->path());
    if (!profile.data) continue;
    if (keyfile_value(*profile.data, "connection", "uuid") != *uuid) continue;
    if (auto ssid = keyfile_value(*profile.data, "wifi", "ssid")) net->set_wifi_ssid(*ssid);
    break;
  }
  if (auto seen = read_file(under(ctx.root, "var/lib/NetworkManager/seen-bssids")); seen.data) {
    if (auto list = keyfile_value(*seen.data, "seen-bssids", *uuid)) {
      auto bssid = std::string(decode::trim(list->substr(0, list->find(','))));
      std::transform(bssid.begin(), bssid.end(), bssid.begin(), [](unsigned char c) { return std::tolower(c); });
      net->set_wifi_bssid(bssid);
    }
  }
}

}  // namespace telltale::platform::linux_probe
