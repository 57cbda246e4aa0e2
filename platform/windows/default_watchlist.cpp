#include "platform/windows/default_watchlist.h"

#include <initializer_list>

#include "platform/watchlist_entry.h"

namespace telltale::platform::windows_probe {
namespace {

constexpr auto add = &telltale::platform::add_watched_tool;

telltale::v1::Watchlist build() {
  telltale::v1::Watchlist w;
  w.set_version("builtin-windows-1");
  add(w, "remote.anydesk", "AnyDesk", {"AnyDesk.exe"},
      {"%ProgramFiles(x86)%\\AnyDesk", "%ProgramFiles%\\AnyDesk", "%ProgramData%\\AnyDesk"}, {"AnyDesk"}, {6568, 7070});
  add(w, "remote.teamviewer", "TeamViewer", {"TeamViewer.exe", "TeamViewer_Service.exe", "tv_w32.exe", "tv_x64.exe"},
      {"%ProgramFiles%\\TeamViewer", "%ProgramFiles(x86)%\\TeamViewer"}, {"TeamViewer"}, {5938});
  add(w, "remote.rustdesk", "RustDesk", {"rustdesk.exe"}, {"%ProgramFiles%\\RustDesk"}, {"RustDesk"},
      {21115, 21116, 21117, 21118, 21119});
  add(w, "remote.chrome_remote_desktop", "Chrome Remote Desktop", {"remoting_host.exe", "remoting_desktop.exe"},
      {"%ProgramFiles(x86)%\\Google\\Chrome Remote Desktop", "%ProgramFiles%\\Google\\Chrome Remote Desktop"},
      {"chromoting"}, {});
  add(w, "remote.screenconnect", "ScreenConnect (ConnectWise Control)", {"ScreenConnect.ClientService.exe", "ScreenConnect.WindowsClient.exe"},
      {"%ProgramFiles(x86)%\\ScreenConnect Client", "%ProgramFiles%\\ScreenConnect Client"}, {"ScreenConnect Client"}, {8041});
  add(w, "remote.splashtop", "Splashtop", {"SRService.exe", "SRManager.exe", "SRFeature.exe", "strwinclt.exe"},
      {"%ProgramFiles(x86)%\\Splashtop\\Splashtop Remote\\Server"}, {"SplashtopRemoteService"}, {});
  add(w, "remote.realvnc", "RealVNC", {"vncserver.exe", "vncserverui.exe"}, {"%ProgramFiles%\\RealVNC\\VNC Server"},
      {"vncserver"}, {5900});
  add(w, "remote.tightvnc", "TightVNC", {"tvnserver.exe"}, {"%ProgramFiles%\\TightVNC"}, {"tvnserver"}, {5900});
  add(w, "remote.ultravnc", "UltraVNC", {"winvnc.exe"}, {"%ProgramFiles%\\uvnc bvba\\UltraVNC"}, {"uvnc_service"}, {5900});
  // Quick Assist and the RDP service ship with every Windows: only a running
  // Quick Assist says something (RDP sessions need WTS, see docs/WINDOWS.md).
  add(w, "remote.quick_assist", "Quick Assist", {"QuickAssist.exe"}, {}, {}, {});
  add(w, "remote.meshcentral", "MeshCentral agent", {"MeshAgent.exe"}, {"%ProgramFiles%\\Mesh Agent"}, {"Mesh Agent"}, {});
  add(w, "remote.todesk", "ToDesk", {"ToDesk.exe", "ToDesk_Service.exe"}, {"%ProgramFiles%\\ToDesk", "%ProgramFiles(x86)%\\ToDesk"},
      {"ToDesk_Service"}, {});
  add(w, "remote.sunlogin", "Sunlogin (Oray)", {"SunloginClient.exe"}, {"%ProgramFiles%\\Oray\\SunLogin"},
      {"SunloginService"}, {});
  add(w, "remote.parsec", "Parsec", {"parsecd.exe", "pservice.exe"}, {"%ProgramFiles%\\Parsec"}, {"Parsec"}, {});
  add(w, "remote.nomachine", "NoMachine", {"nxservice64.exe", "nxnode.bin", "nxserver.bin"}, {"%ProgramFiles%\\NoMachine"},
      {"nxservice"}, {4000});
  add(w, "remote.dwservice", "DWService", {"dwagent.exe", "dwagsvc.exe"}, {"%ProgramFiles%\\DWAgent"}, {"DWAgent"}, {});
  add(w, "remote.tailscale", "Tailscale", {"tailscaled.exe", "tailscale-ipn.exe"}, {"%ProgramFiles%\\Tailscale"},
      {"Tailscale"}, {});
  add(w, "remote.ngrok", "ngrok", {"ngrok.exe"}, {}, {"ngrok"}, {});
  add(w, "remote.cloudflared", "cloudflared", {"cloudflared.exe"}, {"%ProgramFiles(x86)%\\cloudflared"}, {"Cloudflared"}, {});
  add(w, "vpn.astrill", "Astrill VPN", {"astrill.exe", "ASProxy.exe"}, {"%ProgramFiles(x86)%\\Astrill"}, {}, {});
  return w;
}

}  // namespace

const telltale::v1::Watchlist& default_watchlist() {
  static const telltale::v1::Watchlist w = build();
  return w;
}

}  // namespace telltale::platform::windows_probe
