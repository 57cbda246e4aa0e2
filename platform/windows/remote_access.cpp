#include "platform/windows/remote_access.h"

// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <tlhelp32.h>
// clang-format on

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "platform/decode/text_sanitize.h"
#include "platform/windows/default_watchlist.h"
#include "platform/windows/probe_error.h"
#include "platform/windows/registry.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](char c) { return char(std::tolower(static_cast<unsigned char>(c))); });
  return s;
}

std::string expand(const std::string& path) {
  const auto w = win::wide(path);
  wchar_t buf[MAX_PATH * 2];
  const DWORD n = ExpandEnvironmentStringsW(w.c_str(), buf, MAX_PATH * 2);
  return n > 0 && n <= MAX_PATH * 2 ? win::utf8(buf) : path;
}

struct Process {
  uint32_t pid;
  std::string exe_name;  // "AnyDesk.exe"
  std::string image;     // full path when readable
};

std::vector<Process> processes(telltale::v1::Snapshot& out) {
  std::vector<Process> list;
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snap == INVALID_HANDLE_VALUE) {
    add_error(out, "remote_access", "CreateToolhelp32Snapshot", win::error_message(GetLastError()));
    return list;
  }
  PROCESSENTRY32W e{};
  e.dwSize = sizeof e;
  for (BOOL ok = Process32FirstW(snap, &e); ok; ok = Process32NextW(snap, &e)) {
    Process p{e.th32ProcessID, win::utf8(e.szExeFile), ""};
    if (HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, e.th32ProcessID)) {
      wchar_t path[MAX_PATH * 2];
      DWORD len = MAX_PATH * 2;
      if (QueryFullProcessImageNameW(h, 0, path, &len)) p.image = win::utf8(std::wstring(path, len));
      CloseHandle(h);
    }
    list.push_back(std::move(p));
  }
  CloseHandle(snap);
  return list;
}

// A service is installed when the Service Control Manager's database has
// it: HKLM\SYSTEM\CurrentControlSet\Services\<name> (stopped ones too).
bool service_installed(const std::string& name) {
  return win::RegKey(HKEY_LOCAL_MACHINE, L"SYSTEM\\CurrentControlSet\\Services\\" + win::wide(name)).ok();
}

// Uninstall entries' display names (64- and 32-bit views, machine and user).
std::vector<std::pair<std::string, std::string>> uninstall_entries() {
  std::vector<std::pair<std::string, std::string>> out;  // (display name, where)
  const std::pair<HKEY, const wchar_t*> roots[] = {
      {HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"},
      {HKEY_LOCAL_MACHINE, L"SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall"},
      {HKEY_CURRENT_USER, L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"},
  };
  for (const auto& [root, path] : roots) {
    win::RegKey key(root, path);
    for (const auto& sub : key.subkeys()) {
      win::RegKey entry(root, std::wstring(path) + L"\\" + sub);
      if (auto name = entry.string(L"DisplayName"))
        out.emplace_back(*name, std::string(root == HKEY_CURRENT_USER ? "HKCU\\" : "HKLM\\") + win::utf8(path) + "\\" + win::utf8(sub));
    }
  }
  return out;
}

std::string ip_port(int family, const void* addr, uint32_t port) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, addr, text, sizeof text);
  return family == AF_INET6 ? "[" + std::string(text) + "]:" + std::to_string(port) : std::string(text) + ":" + std::to_string(port);
}

}  // namespace

std::vector<TcpRow> SystemTcpTable::rows(std::string& error) {
  std::vector<TcpRow> out;
  for (int family : {AF_INET, AF_INET6}) {
    DWORD size = 0;
    GetExtendedTcpTable(nullptr, &size, FALSE, family, TCP_TABLE_OWNER_PID_ALL, 0);
    std::vector<uint8_t> buf(size + 4096);
    size = DWORD(buf.size());
    const DWORD s = GetExtendedTcpTable(buf.data(), &size, FALSE, family, TCP_TABLE_OWNER_PID_ALL, 0);
    if (s != NO_ERROR) {
      error = "GetExtendedTcpTable: " + win::error_message(s);
      continue;
    }
    if (family == AF_INET) {
      const auto* t = reinterpret_cast<const MIB_TCPTABLE_OWNER_PID*>(buf.data());
      for (DWORD i = 0; i < t->dwNumEntries; ++i) {
        const auto& r = t->table[i];
        TcpRow row;
        row.local_port = ntohs(u_short(r.dwLocalPort));
        row.remote_port = ntohs(u_short(r.dwRemotePort));
        row.local_address = ip_port(AF_INET, &r.dwLocalAddr, row.local_port);
        row.listening = r.dwState == MIB_TCP_STATE_LISTEN;
        row.established = r.dwState == MIB_TCP_STATE_ESTAB;
        if (!row.listening) row.remote_address = ip_port(AF_INET, &r.dwRemoteAddr, row.remote_port);
        row.pid = r.dwOwningPid;
        row.ipv4 = true;
        row.raw_local_ip4 = r.dwLocalAddr;
        row.raw_remote_ip4 = r.dwRemoteAddr;
        row.raw_local_port = r.dwLocalPort;
        row.raw_remote_port = r.dwRemotePort;
        out.push_back(row);
      }
    } else {
      const auto* t = reinterpret_cast<const MIB_TCP6TABLE_OWNER_PID*>(buf.data());
      for (DWORD i = 0; i < t->dwNumEntries; ++i) {
        const auto& r = t->table[i];
        TcpRow row;
        row.local_port = ntohs(u_short(r.dwLocalPort));
        row.remote_port = ntohs(u_short(r.dwRemotePort));
        row.local_address = ip_port(AF_INET6, r.ucLocalAddr, row.local_port);
        row.listening = r.dwState == MIB_TCP_STATE_LISTEN;
        row.established = r.dwState == MIB_TCP_STATE_ESTAB;
        if (!row.listening) row.remote_address = ip_port(AF_INET6, r.ucRemoteAddr, row.remote_port);
        row.pid = r.dwOwningPid;
        out.push_back(row);
      }
    }
  }
  return out;
}

std::optional<TcpRtt> SystemTcpTable::rtt(const TcpRow& row, std::string& error) {
  if (!row.ipv4 || !row.established) return std::nullopt;
  MIB_TCPROW r{};
  r.dwState = MIB_TCP_STATE_ESTAB;
  r.dwLocalAddr = row.raw_local_ip4;
  r.dwLocalPort = row.raw_local_port;
  r.dwRemoteAddr = row.raw_remote_ip4;
  r.dwRemotePort = row.raw_remote_port;
  TCP_ESTATS_PATH_ROD_v0 rod{};
  ULONG rc = GetPerTcpConnectionEStats(&r, TcpConnectionEstatsPath, nullptr, 0, 0, nullptr, 0, 0,
                                       reinterpret_cast<PUCHAR>(&rod), 0, sizeof rod);
  if (rc == NO_ERROR && rod.SmoothedRtt != 0)
    return TcpRtt{rod.SmoothedRtt * 1000, rod.RttVar * 1000};  // milliseconds
  // Not collecting yet (or nothing sampled): switch collection on for next time.
  TCP_ESTATS_PATH_RW_v0 rw{};
  rw.EnableCollection = TRUE;
  rc = SetPerTcpConnectionEStats(&r, TcpConnectionEstatsPath, reinterpret_cast<PUCHAR>(&rw), 0, sizeof rw, 0);
  if (rc != NO_ERROR) error = "SetPerTcpConnectionEStats(" + row.remote_address + "): " + win::error_message(rc);
  return std::nullopt;
}

void RemoteAccessProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  // The built-in Windows list, plus whatever the collector pushed, per id.
  telltale::v1::Watchlist watch = default_watchlist();
  if (ctx.watchlist) {
    for (const auto& pushed : ctx.watchlist->tools()) {
      auto it = std::find_if(watch.mutable_tools()->begin(), watch.mutable_tools()->end(),
                             [&](const auto& t) { return t.id() == pushed.id(); });
      telltale::v1::WatchedTool* t = it != watch.mutable_tools()->end() ? &*it : watch.add_tools();
      if (it == watch.mutable_tools()->end()) {
        t->set_id(pushed.id());
        t->set_name(pushed.name());
      }
      // Only Windows-shaped entries: executables, drive paths, plain service names.
      for (const auto& p : pushed.process_names())
        if (lower(p).ends_with(".exe")) t->add_process_names(p);
      for (const auto& p : pushed.paths())
        if (p.size() > 2 && (p[1] == ':' || p[0] == '%')) t->add_paths(p);
      for (const auto& p : pushed.ports()) t->add_ports(p);
    }
  }
  const auto procs = processes(out);
  const auto uninstall = uninstall_entries();
  std::string tcp_error;
  const auto tcp = tcp_.rows(tcp_error);
  if (!tcp_error.empty()) add_error(out, "remote_access", "GetExtendedTcpTable", tcp_error);

  for (const auto& tool : watch.tools()) {
    telltale::v1::RemoteAccessTool r;
    r.set_tool_id(tool.id());
    r.set_name(tool.name());
    for (const auto& p : tool.paths()) {
      const auto path = expand(p);
      if (GetFileAttributesW(win::wide(path).c_str()) != INVALID_FILE_ATTRIBUTES) r.add_installed_paths(decode::sanitize_utf8(path));
    }
    const auto name = lower(tool.name());
    for (const auto& [display, where] : uninstall)
      if (!name.empty() && lower(display).find(name.substr(0, name.find(' '))) != std::string::npos)
        r.add_installed_paths(decode::sanitize_utf8(where));
    for (const auto& s : tool.services())
      if (service_installed(s)) r.add_services(s);
    std::set<uint32_t> pids;
    for (const auto& p : procs) {
      for (const auto& watched : tool.process_names()) {
        if (lower(p.exe_name) != lower(watched)) continue;
        auto* rp = r.add_processes();
        rp->set_pid(p.pid);
        rp->set_comm(decode::sanitize_utf8(p.exe_name));
        rp->set_exe(decode::sanitize_utf8(p.image));
        pids.insert(p.pid);
      }
    }
    std::set<uint32_t> ports;
    for (const auto& row : tcp) {
      if (!pids.count(row.pid) || row.pid == 0) continue;
      if (row.listening) {
        r.set_listening(true);
        ports.insert(row.local_port);
      } else if (row.established) {
        r.set_connected(true);
        auto* peer = r.add_peers();
        peer->set_local_address(row.local_address);
        peer->set_remote_address(row.remote_address);
        peer->set_pid(row.pid);
        std::string rtt_error;
        if (const auto rtt = tcp_.rtt(row, rtt_error)) {
          peer->set_rtt_us(rtt->rtt_us);
          peer->set_rttvar_us(rtt->rttvar_us);
          peer->set_rtt_measured(true);
        } else if (!rtt_error.empty()) {
          add_error(out, "remote_access", "GetPerTcpConnectionEStats", rtt_error);
        }
      }
    }
    for (auto p : ports) r.add_listening_ports(p);
    r.set_installed(r.installed_paths_size() > 0 || r.services_size() > 0);
    r.set_running(r.processes_size() > 0);
    if (r.installed() || r.running()) *out.add_remote_access() = std::move(r);
  }
}

}  // namespace telltale::platform::windows_probe
