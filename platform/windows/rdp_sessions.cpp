#include "platform/windows/rdp_sessions.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <wtsapi32.h>

#include "platform/windows/probe_error.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {
namespace {

constexpr uint16_t kProtocolRdp = 2;  // WTS_PROTOCOL_TYPE_RDP

std::string client_address(DWORD session) {
  LPWSTR buf = nullptr;
  DWORD bytes = 0;
  std::string out;
  if (!WTSQuerySessionInformationW(WTS_CURRENT_SERVER_HANDLE, session, WTSClientAddress, &buf, &bytes)) return out;
  if (bytes >= sizeof(WTS_CLIENT_ADDRESS)) {
    const auto* a = reinterpret_cast<const WTS_CLIENT_ADDRESS*>(buf);
    char text[INET6_ADDRSTRLEN] = {};
    // The address bytes start at offset 2 for IPv4 (as in a sockaddr's sa_data).
    if (a->AddressFamily == AF_INET) inet_ntop(AF_INET, a->Address + 2, text, sizeof text);
    else if (a->AddressFamily == AF_INET6) inet_ntop(AF_INET6, a->Address, text, sizeof text);
    out = text;
  }
  WTSFreeMemory(buf);
  return out;
}

uint16_t protocol(DWORD session) {
  LPWSTR buf = nullptr;
  DWORD bytes = 0;
  uint16_t p = 0;
  if (WTSQuerySessionInformationW(WTS_CURRENT_SERVER_HANDLE, session, WTSClientProtocolType, &buf, &bytes)) {
    if (bytes >= sizeof(USHORT)) p = *reinterpret_cast<const USHORT*>(buf);
    WTSFreeMemory(buf);
  }
  return p;
}

}  // namespace

std::vector<WtsSession> SystemSessions::sessions(std::string& error) {
  std::vector<WtsSession> out;
  WTS_SESSION_INFOW* info = nullptr;
  DWORD count = 0;
  if (!WTSEnumerateSessionsW(WTS_CURRENT_SERVER_HANDLE, 0, 1, &info, &count)) {
    error = "WTSEnumerateSessions: " + win::error_message(GetLastError());
    return out;
  }
  for (DWORD i = 0; i < count; ++i) {
    WtsSession s;
    s.id = info[i].SessionId;
    s.station = info[i].pWinStationName ? win::utf8(info[i].pWinStationName) : "";
    s.active = info[i].State == WTSActive;
    s.protocol = protocol(info[i].SessionId);
    if (s.protocol == kProtocolRdp) s.client_address = client_address(info[i].SessionId);
    out.push_back(std::move(s));
  }
  WTSFreeMemory(info);
  return out;
}

void RdpSessionsProbe::collect(const ProbeContext&, telltale::v1::Snapshot& out) {
  std::string error;
  const auto sessions = source_.sessions(error);
  if (!error.empty()) add_error(out, "rdp_sessions", "WTSEnumerateSessions", error);
  telltale::v1::RemoteAccessTool* tool = nullptr;
  for (const auto& s : sessions) {
    if (s.protocol != kProtocolRdp || !s.active) continue;
    if (!tool) {
      tool = out.add_remote_access();
      tool->set_tool_id("remote.windows_rdp");
      tool->set_name("Remote Desktop session");
      tool->set_installed(true);
      tool->set_running(true);
      tool->set_connected(true);
      tool->add_services("TermService");
    }
    auto* peer = tool->add_peers();
    peer->set_remote_address(s.client_address);
  }
}

}  // namespace telltale::platform::windows_probe
