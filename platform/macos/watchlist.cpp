#include "platform/macos/watchlist.h"

#include <algorithm>

namespace telltale::platform::macos_probe {

bool looks_like_bundle_id(const std::string& s) {
  return std::count(s.begin(), s.end(), '.') >= 2 && s.find(' ') == std::string::npos &&
         std::all_of(s.begin(), s.begin() + static_cast<long>(s.find('.')), [](unsigned char c) { return std::islower(c); });
}

const std::vector<MacWatchedTool>& builtin_mac_watchlist() {
  static const std::vector<MacWatchedTool> tools = {
      {"remote.anydesk", "AnyDesk", {"com.philandro.anydesk"}, {"AnyDesk"}, {6568, 7070}},
      {"remote.teamviewer", "TeamViewer", {"com.teamviewer.TeamViewer", "com.teamviewer.service"}, {"TeamViewer", "TeamViewer_Service"}, {5938}},
      {"remote.rustdesk", "RustDesk", {"com.carriez.rustdesk"}, {"RustDesk", "rustdesk"}, {21115, 21116, 21117, 21118, 21119}},
      {"remote.chrome_remote_desktop", "Chrome Remote Desktop", {"org.chromium.chromoting"}, {"remoting_me2me_host"}, {}},
      {"remote.realvnc", "RealVNC", {"com.realvnc.vncserver"}, {}, {5900}},
      {"remote.nomachine", "NoMachine", {"com.nomachine.nxserver"}, {}, {4000}},
      {"remote.splashtop", "Splashtop", {"com.splashtop.streamer"}, {}, {}},
      {"remote.parsec", "Parsec", {"tv.parsec.www"}, {"parsecd"}, {}},
      {"remote.screenconnect", "ScreenConnect", {"com.screenconnect.client"}, {}, {}},
      {"remote.atera", "Atera", {"com.atera.ateraagent"}, {}, {}},
      {"remote.goto", "GoTo / LogMeIn", {"com.logmein.GoToAssist", "com.logmein.logmein"}, {}, {}},
      {"remote.apple_screen_sharing", "Apple Screen Sharing", {}, {"screensharingd", "ARDAgent"}, {5900}},
      {"remote.jump_desktop", "Jump Desktop", {"com.p5sys.jump.connect"}, {}, {}},
      {"vpn.astrill", "Astrill VPN", {"com.astrill.astrill"}, {}, {}},
      {"remote.tailscale", "Tailscale", {"io.tailscale.ipn.macsys"}, {}, {}},
  };
  return tools;
}

std::vector<MacWatchedTool> mac_watchlist(const telltale::v1::Watchlist* pushed) {
  auto tools = builtin_mac_watchlist();
  if (!pushed) return tools;
  for (const auto& w : pushed->tools()) {
    auto it = std::find_if(tools.begin(), tools.end(), [&](const auto& t) { return t.id == w.id(); });
    if (it == tools.end()) {
      tools.push_back({w.id(), w.name(), {}, {}, {}});
      it = tools.end() - 1;
    }
    for (const auto& p : w.process_names())
      if (std::find(it->executables.begin(), it->executables.end(), p) == it->executables.end()) it->executables.push_back(p);
    for (auto port : w.ports())
      if (std::find(it->ports.begin(), it->ports.end(), port) == it->ports.end()) it->ports.push_back(port);
  }
  return tools;
}

}  // namespace telltale::platform::macos_probe
