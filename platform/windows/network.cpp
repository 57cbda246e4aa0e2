#include "platform/windows/network.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "platform/windows/probe_error.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {
namespace {

std::string mac_text(const unsigned char* bytes, size_t n) {
  if (n == 0) return "";
  std::string out;
  char b[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, i ? ":%02x" : "%02x", bytes[i]);
    out += b;
  }
  return out;
}

std::string ip_text(const SOCKADDR* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string adapter_kind(uint32_t if_type, const std::string& description) {
  const auto d = lower(description);
  if (d.find("wireguard") != std::string::npos) return "wireguard";
  if (d.find("tap-windows") != std::string::npos || d.find("wintun") != std::string::npos ||
      d.find("tailscale") != std::string::npos || d.find("openvpn") != std::string::npos)
    return "tun";
  if (d.find("hyper-v") != std::string::npos || d.find("virtualbox") != std::string::npos ||
      d.find("vmware") != std::string::npos)
    return "virtual";
  switch (if_type) {
    case IF_TYPE_ETHERNET_CSMACD: return "ethernet";
    case IF_TYPE_IEEE80211: return "wifi";
    case IF_TYPE_SOFTWARE_LOOPBACK: return "loopback";
    case IF_TYPE_TUNNEL: return "tun";
    case IF_TYPE_PROP_VIRTUAL: return "virtual";
    case IF_TYPE_PPP: return "tun";
    default: return "other";
  }
}

bool is_vpn_adapter(const Adapter& a) {
  const auto kind = adapter_kind(a.if_type, a.description);
  if (kind == "wireguard") return true;
  if (kind != "tun") return false;
  // Windows' own tunnels (Teredo, 6to4, IP-HTTPS) are transition plumbing, not VPNs.
  const auto d = lower(a.description);
  return d.find("teredo") == std::string::npos && d.find("6to4") == std::string::npos &&
         d.find("ip-https") == std::string::npos && d.find("isatap") == std::string::npos;
}

NetworkTables SystemNetwork::tables(std::vector<std::string>& errors) {
  NetworkTables t;
  std::map<uint32_t, uint32_t> ipv4_metric;  // if_index → interface metric
  ULONG size = 16 * 1024;
  std::vector<unsigned char> buf;
  ULONG rc = ERROR_BUFFER_OVERFLOW;
  for (int attempt = 0; attempt < 4 && rc == ERROR_BUFFER_OVERFLOW; ++attempt) {
    buf.resize(size);
    rc = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER,
                              nullptr, reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buf.data()), &size);
  }
  if (rc == ERROR_SUCCESS) {
    for (auto* a = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buf.data()); a; a = a->Next) {
      Adapter out;
      out.if_index = a->IfIndex ? a->IfIndex : a->Ipv6IfIndex;
      out.name = a->FriendlyName ? win::utf8(a->FriendlyName) : "";
      out.description = a->Description ? win::utf8(a->Description) : "";
      out.mac = mac_text(a->PhysicalAddress, a->PhysicalAddressLength);
      out.if_type = a->IfType;
      out.up = a->OperStatus == IfOperStatusUp;
      if (a->IfIndex) ipv4_metric[a->IfIndex] = a->Ipv4Metric;
      for (auto* u = a->FirstUnicastAddress; u; u = u->Next)
        out.addresses.push_back(ip_text(u->Address.lpSockaddr) + "/" + std::to_string(u->OnLinkPrefixLength));
      t.adapters.push_back(std::move(out));
    }
  } else if (rc != ERROR_NO_DATA) {
    errors.push_back("GetAdaptersAddresses: " + win::error_message(rc));
  }

  MIB_IPFORWARD_TABLE2* routes = nullptr;
  if (DWORD r = GetIpForwardTable2(AF_INET, &routes); r == NO_ERROR) {
    for (ULONG i = 0; i < routes->NumEntries; ++i) {
      const auto& row = routes->Table[i];
      if (row.DestinationPrefix.PrefixLength != 0) continue;
      // The interface's metric comes from GetAdaptersAddresses (Ipv4Metric)
      // rather than GetIpInterfaceEntry, which Wine 8 does not implement.
      auto m = ipv4_metric.find(row.InterfaceIndex);
      const uint32_t if_metric = m == ipv4_metric.end() ? 0 : m->second;
      t.default_routes.push_back(
          {row.InterfaceIndex, ip_text(reinterpret_cast<const SOCKADDR*>(&row.NextHop.Ipv4)), row.Metric + if_metric});
    }
    FreeMibTable(routes);
  } else {
    errors.push_back("GetIpForwardTable2: " + win::error_message(r));
  }

  MIB_IPNET_TABLE2* neighbors = nullptr;
  if (DWORD r = GetIpNetTable2(AF_INET, &neighbors); r == NO_ERROR) {
    for (ULONG i = 0; i < neighbors->NumEntries; ++i) {
      const auto& row = neighbors->Table[i];
      if (row.State == NlnsUnreachable || row.State == NlnsIncomplete || row.PhysicalAddressLength == 0) continue;
      t.neighbors.push_back({row.InterfaceIndex, ip_text(reinterpret_cast<const SOCKADDR*>(&row.Address.Ipv4)),
                             mac_text(row.PhysicalAddress, row.PhysicalAddressLength)});
    }
    FreeMibTable(neighbors);
  } else {
    errors.push_back("GetIpNetTable2: " + win::error_message(r));
  }
  return t;
}

void NetworkProbe::collect(const ProbeContext&, telltale::v1::Snapshot& out) {
  std::vector<std::string> errors;
  const auto t = source_.tables(errors);
  for (const auto& e : errors) add_error(out, "network", e.substr(0, e.find(':')), e);
  auto* net = out.mutable_network();
  for (const auto& a : t.adapters) {
    auto* i = net->add_interfaces();
    i->set_name(a.name);
    i->set_mac(a.mac);
    i->set_kind(adapter_kind(a.if_type, a.description));
    i->set_up(a.up);
    for (const auto& addr : a.addresses) i->add_addresses(addr);
    i->set_driver(a.description);
    i->set_virtual_interface(i->kind() != "ethernet" && i->kind() != "wifi");
    if (is_vpn_adapter(a) && a.up) net->add_vpn_interfaces(a.name);
  }
  // The default route Windows uses: the lowest route + interface metric
  // among those through an adapter that is up.
  const Route* best = nullptr;
  for (const auto& r : t.default_routes) {
    auto it = std::find_if(t.adapters.begin(), t.adapters.end(), [&](const Adapter& a) { return a.if_index == r.if_index; });
    if (it != t.adapters.end() && !it->up) continue;
    if (!best || r.metric < best->metric) best = &r;
  }
  if (!best) return;
  for (const auto& a : t.adapters)
    if (a.if_index == best->if_index) net->set_default_interface(a.name);
  if (best->gateway == "0.0.0.0") return;  // on-link default (a point-to-point VPN): no gateway to name
  net->set_default_gateway_ip(best->gateway);
  for (const auto& n : t.neighbors)
    if (n.if_index == best->if_index && n.ip == best->gateway) net->set_default_gateway_mac(n.mac);
}

}  // namespace telltale::platform::windows_probe
