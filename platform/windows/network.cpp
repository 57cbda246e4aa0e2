#include "platform/windows/network.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <wlanapi.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "platform/windows/probe_error.h"
#include "platform/windows/registry.h"
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

namespace {

std::string guid_text(const GUID& g) {
  wchar_t buf[40] = {};
  StringFromGUID2(g, buf, 40);
  return win::utf8(buf);
}

// wlanapi.dll is loaded when needed: Windows Server without the Wireless LAN
// feature has none, and the agent must start there too.
void read_wifi(NetworkTables& t, std::vector<std::string>& errors) {
  HMODULE dll = LoadLibraryExW(L"wlanapi.dll", nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
  if (!dll) return;  // no WLAN support installed: no Wi-Fi to report
  using Open = DWORD(WINAPI*)(DWORD, PVOID, PDWORD, PHANDLE);
  using Close = DWORD(WINAPI*)(HANDLE, PVOID);
  using Enum = DWORD(WINAPI*)(HANDLE, PVOID, PWLAN_INTERFACE_INFO_LIST*);
  using Query = DWORD(WINAPI*)(HANDLE, const GUID*, WLAN_INTF_OPCODE, PVOID, PDWORD, PVOID*, PWLAN_OPCODE_VALUE_TYPE);
  using Free = VOID(WINAPI*)(PVOID);
  auto open = reinterpret_cast<Open>(reinterpret_cast<void*>(GetProcAddress(dll, "WlanOpenHandle")));
  auto close = reinterpret_cast<Close>(reinterpret_cast<void*>(GetProcAddress(dll, "WlanCloseHandle")));
  auto enumerate = reinterpret_cast<Enum>(reinterpret_cast<void*>(GetProcAddress(dll, "WlanEnumInterfaces")));
  auto query = reinterpret_cast<Query>(reinterpret_cast<void*>(GetProcAddress(dll, "WlanQueryInterface")));
  auto free_memory = reinterpret_cast<Free>(reinterpret_cast<void*>(GetProcAddress(dll, "WlanFreeMemory")));
  if (!open || !close || !enumerate || !query || !free_memory) {
    errors.push_back("wlanapi.dll: WlanOpenHandle/WlanEnumInterfaces/WlanQueryInterface missing");
    FreeLibrary(dll);
    return;
  }
  DWORD version = 0;
  HANDLE handle = nullptr;
  const DWORD rc = open(2, nullptr, &version, &handle);
  if (rc != ERROR_SUCCESS) {
    // The WLAN AutoConfig service is off on machines without Wi-Fi.
    if (rc != ERROR_SERVICE_NOT_ACTIVE) errors.push_back("WlanOpenHandle: " + win::error_message(rc));
    FreeLibrary(dll);
    return;
  }
  WLAN_INTERFACE_INFO_LIST* list = nullptr;
  if (const DWORD r = enumerate(handle, nullptr, &list); r == ERROR_SUCCESS && list) {
    for (DWORD i = 0; i < list->dwNumberOfItems; ++i) {
      const auto& info = list->InterfaceInfo[i];
      if (info.isState != wlan_interface_state_connected) continue;
      DWORD size = 0;
      WLAN_CONNECTION_ATTRIBUTES* c = nullptr;
      const DWORD q = query(handle, &info.InterfaceGuid, wlan_intf_opcode_current_connection, nullptr, &size,
                            reinterpret_cast<PVOID*>(&c), nullptr);
      if (q != ERROR_SUCCESS || !c) {
        errors.push_back("WlanQueryInterface(current_connection) " + guid_text(info.InterfaceGuid) + ": " + win::error_message(q));
        continue;
      }
      const auto& assoc = c->wlanAssociationAttributes;
      WifiConnection w;
      w.interface_guid = guid_text(info.InterfaceGuid);
      w.ssid.assign(reinterpret_cast<const char*>(assoc.dot11Ssid.ucSSID), std::min<ULONG>(assoc.dot11Ssid.uSSIDLength, 32));
      w.bssid = mac_text(assoc.dot11Bssid, 6);
      t.wifi.push_back(std::move(w));
      free_memory(c);
    }
    free_memory(list);
  } else if (r != ERROR_SUCCESS) {
    errors.push_back("WlanEnumInterfaces: " + win::error_message(r));
  }
  close(handle, nullptr);
  FreeLibrary(dll);
}

// The suffix search list: Group Policy's wins over the local setting.
std::vector<std::string> search_list() {
  std::vector<std::string> out;
  for (const auto* key : {L"SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient", L"SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters"}) {
    win::RegKey k(HKEY_LOCAL_MACHINE, key);
    if (!k.ok()) continue;
    const auto value = k.string(L"SearchList");
    if (!value || value->empty()) continue;
    std::string item;
    for (char c : *value + ",") {
      if (c == ',' || c == ' ') {
        if (!item.empty()) out.push_back(item);
        item.clear();
      } else {
        item += c;
      }
    }
    break;
  }
  return out;
}

}  // namespace

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
      out.dns_suffix = a->DnsSuffix ? win::utf8(a->DnsSuffix) : "";
      out.guid = a->AdapterName ? a->AdapterName : "";
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
  read_wifi(t, errors);
  t.search_list = search_list();
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
  // Suffixes in the order Windows tries them, each once.
  auto add_suffix = [&](const std::string& suffix) {
    if (suffix.empty()) return;
    for (const auto& have : net->dns_suffixes())
      if (lower(have) == lower(suffix)) return;
    net->add_dns_suffixes(suffix);
  };
  for (const auto& a : t.adapters)
    if (a.up) add_suffix(a.dns_suffix);
  for (const auto& s : t.search_list) add_suffix(s);
  // The default route Windows uses: the lowest route + interface metric
  // among those through an adapter that is up.
  const Route* best = nullptr;
  for (const auto& r : t.default_routes) {
    auto it = std::find_if(t.adapters.begin(), t.adapters.end(), [&](const Adapter& a) { return a.if_index == r.if_index; });
    if (it != t.adapters.end() && !it->up) continue;
    if (!best || r.metric < best->metric) best = &r;
  }
  // The Wi-Fi the laptop is on: the one carrying the default route, else the first connected.
  const WifiConnection* wifi = t.wifi.empty() ? nullptr : &t.wifi.front();
  if (best)
    for (const auto& a : t.adapters)
      for (const auto& w : t.wifi)
        if (a.if_index == best->if_index && lower(a.guid) == lower(w.interface_guid)) wifi = &w;
  if (wifi) {
    net->set_wifi_bssid(wifi->bssid);
    net->set_wifi_ssid(wifi->ssid);
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
