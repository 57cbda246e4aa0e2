#include "platform/linux/default_watchlist.h"

#include <initializer_list>

#include "platform/watchlist_entry.h"

namespace telltale::platform::linux_probe {
namespace {

constexpr auto add = &telltale::platform::add_watched_tool;

telltale::v1::Watchlist build() {
  telltale::v1::Watchlist w;
  w.set_version("builtin-linux-1");
  add(w, "remote.anydesk", "AnyDesk", {"anydesk"}, {"/usr/bin/anydesk", "/opt/anydesk", "/etc/anydesk"},
      {"anydesk.service"}, {6568, 7070});
  add(w, "remote.teamviewer", "TeamViewer", {"teamviewerd", "TeamViewer", "teamviewer"},
      {"/opt/teamviewer", "/usr/bin/teamviewer"}, {"teamviewerd.service"}, {5938});
  add(w, "remote.rustdesk", "RustDesk", {"rustdesk"}, {"/usr/bin/rustdesk", "/usr/lib/rustdesk", "/usr/share/rustdesk"},
      {"rustdesk.service"}, {21115, 21116, 21117, 21118, 21119});
  add(w, "remote.chrome_remote_desktop", "Chrome Remote Desktop",
      {"remoting_host", "chrome-remote-desktop-host", "chrome-remote-d"}, {"/opt/google/chrome-remote-desktop"},
      {"chrome-remote-desktop@", "chrome-remote-desktop.service"}, {});
  add(w, "remote.x11vnc", "x11vnc", {"x11vnc"}, {"/usr/bin/x11vnc"}, {"x11vnc.service"}, {5900, 5901, 5902, 5903});
  add(w, "remote.tigervnc", "TigerVNC", {"Xvnc", "Xtigervnc", "x0vncserver", "x0tigervncserver"},
      {"/usr/bin/Xvnc", "/usr/bin/Xtigervnc", "/usr/bin/x0vncserver", "/usr/bin/x0tigervncserver"},
      {"vncserver@", "x0vncserver@"}, {5900, 5901, 5902, 5903});
  add(w, "remote.realvnc", "RealVNC", {"vncserver-x11-serviced", "vncserver-x11-core", "vncserver-x11"},
      {"/usr/bin/vncserver-x11-serviced", "/etc/vnc"}, {"vncserver-x11-serviced.service"}, {5900});
  add(w, "remote.xrdp", "xrdp", {"xrdp", "xrdp-sesman"}, {"/usr/sbin/xrdp", "/etc/xrdp"},
      {"xrdp.service", "xrdp-sesman.service"}, {3389, 3350});
  add(w, "remote.nomachine", "NoMachine", {"nxserver", "nxd", "nxnode", "nxserver.bin", "nxnode.bin"},
      {"/usr/NX", "/etc/NX"}, {"nxserver.service"}, {4000});
  add(w, "remote.splashtop", "Splashtop", {"SRStreamer", "SRFeature"}, {"/opt/splashtop-streamer"},
      {"SRStreamer.service"}, {});
  add(w, "remote.parsec", "Parsec", {"parsecd"}, {"/usr/bin/parsecd", "/usr/share/parsec"}, {}, {});
  add(w, "remote.meshcentral", "MeshCentral agent", {"meshagent"}, {"/usr/local/mesh_services/meshagent"},
      {"meshagent.service"}, {});
  add(w, "remote.dwservice", "DWService", {"dwagent", "dwagsvc"}, {"/usr/share/dwagent"}, {"dwagent.service"}, {});
  add(w, "remote.tailscale", "Tailscale", {"tailscaled"}, {"/usr/sbin/tailscaled"}, {"tailscaled.service"}, {});
  add(w, "remote.ngrok", "ngrok", {"ngrok"}, {"/usr/local/bin/ngrok", "/usr/bin/ngrok"}, {"ngrok.service"}, {});
  add(w, "remote.cloudflared", "cloudflared", {"cloudflared"}, {"/usr/bin/cloudflared", "/usr/local/bin/cloudflared"},
      {"cloudflared.service"}, {});
  add(w, "vpn.astrill", "Astrill VPN", {"astrill", "asproxy", "asovpnc", "aswgvpnc"}, {"/usr/local/Astrill"}, {}, {});
  return w;
}

}  // namespace

const telltale::v1::Watchlist& default_watchlist() {
  static const telltale::v1::Watchlist w = build();
  return w;
}

}  // namespace telltale::platform::linux_probe
