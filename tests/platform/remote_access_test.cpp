#include "platform/linux/remote_access.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "platform/linux/default_watchlist.h"
#include "sensor_test_support.h"

namespace {

namespace fs = std::filesystem;
using telltale::platform::linux_probe::RemoteAccessProbe;

using sensor_test::kFixtures;

telltale::v1::Snapshot collect(const fs::path& root, const telltale::v1::Watchlist* watchlist = nullptr) {
  RemoteAccessProbe probe;
  return sensor_test::collect_from(probe, root, watchlist);
}

const telltale::v1::RemoteAccessTool* tool(const telltale::v1::Snapshot& s, const std::string& id) {
  for (const auto& t : s.remote_access())
    if (t.tool_id() == id) return &t;
  return nullptr;
}

TEST(RemoteAccess, AnyDeskAndRustDeskBothRunning_ShowListenersAndSessionsWithoutKernelRtt) {
  auto s = collect(kFixtures / "anydesk-rustdesk-laptop");
  EXPECT_EQ(s.errors_size(), 0) << s.errors(0).message();
  ASSERT_EQ(s.remote_access_size(), 2);
  const auto* anydesk = tool(s, "remote.anydesk");
  ASSERT_NE(anydesk, nullptr);
  EXPECT_TRUE(anydesk->installed());
  EXPECT_TRUE(anydesk->running());
  EXPECT_TRUE(anydesk->listening());
  EXPECT_TRUE(anydesk->connected());
  ASSERT_EQ(anydesk->processes_size(), 1);
  EXPECT_EQ(anydesk->processes(0).pid(), 1234u);
  EXPECT_EQ(anydesk->processes(0).comm(), "anydesk");
  EXPECT_EQ(anydesk->processes(0).exe(), "/usr/bin/anydesk");
  EXPECT_EQ(std::vector<uint32_t>(anydesk->listening_ports().begin(), anydesk->listening_ports().end()),
            std::vector<uint32_t>{7070});
  ASSERT_EQ(anydesk->peers_size(), 2);
  EXPECT_EQ(anydesk->peers(0).local_address(), "192.168.1.40:50412");
  EXPECT_EQ(anydesk->peers(0).remote_address(), "195.181.174.17:443");
  EXPECT_EQ(anydesk->peers(1).remote_address(), "175.45.176.12:61344");
  EXPECT_EQ(anydesk->peers(1).pid(), 1234u);
  // A fixture is not the live kernel: RTT cannot be measured.
  EXPECT_FALSE(anydesk->peers(0).rtt_measured());
  EXPECT_EQ(anydesk->peers(0).rtt_us(), 0u);
  EXPECT_EQ(std::vector<std::string>(anydesk->services().begin(), anydesk->services().end()),
            std::vector<std::string>{"anydesk.service"});
  EXPECT_EQ(std::vector<std::string>(anydesk->installed_paths().begin(), anydesk->installed_paths().end()),
            (std::vector<std::string>{"/usr/bin/anydesk", "/etc/anydesk"}));

  const auto* rustdesk = tool(s, "remote.rustdesk");
  ASSERT_NE(rustdesk, nullptr);
  EXPECT_TRUE(rustdesk->running());
  EXPECT_EQ(rustdesk->processes(0).exe(), "/usr/lib/rustdesk/rustdesk");
  // One IPv4 and one IPv6 listener.
  EXPECT_EQ(std::vector<uint32_t>(rustdesk->listening_ports().begin(), rustdesk->listening_ports().end()),
            (std::vector<uint32_t>{21118, 21119}));
  ASSERT_EQ(rustdesk->peers_size(), 1);
  EXPECT_EQ(rustdesk->peers(0).remote_address(), "101.36.120.8:21117");
}

TEST(RemoteAccess, BrowserWithPrivateUrlRunsAlongside_NothingOfItLeavesTheProbe) {
  auto s = collect(kFixtures / "anydesk-rustdesk-laptop");
  const std::string bytes = s.SerializeAsString();
  EXPECT_EQ(bytes.find("firefox"), std::string::npos);
  EXPECT_EQ(bytes.find("secret-plan"), std::string::npos);
  EXPECT_EQ(bytes.find("151.101.1.140"), std::string::npos);
  EXPECT_EQ(bytes.find("--service"), std::string::npos);  // matched processes' cmdline stays too
}

TEST(RemoteAccess, X11vncServingVnc_ListensOn5900WithOneInboundViewer) {
  auto s = collect(kFixtures / "x11vnc-laptop");
  const auto* vnc = tool(s, "remote.x11vnc");
  ASSERT_NE(vnc, nullptr);
  EXPECT_TRUE(vnc->running());
  EXPECT_EQ(std::vector<uint32_t>(vnc->listening_ports().begin(), vnc->listening_ports().end()),
            std::vector<uint32_t>{5900});
  ASSERT_EQ(vnc->peers_size(), 1);
  EXPECT_EQ(vnc->peers(0).remote_address(), "203.0.113.50:51234");
  EXPECT_EQ(s.remote_access_size(), 1);  // Xorg is not a remote tool
}

TEST(RemoteAccess, CleanLaptop_ReportsNoTool) {
  auto s = collect(kFixtures / "clean-home-laptop");
  EXPECT_EQ(s.remote_access_size(), 0);
}

TEST(RemoteAccess, KoreanLaptopWithAstrillInstalledButNotRunning_ShowsInstalledVpn) {
  auto s = collect(kFixtures / "korean-ime-laptop");
  ASSERT_EQ(s.remote_access_size(), 1);
  EXPECT_EQ(s.remote_access(0).tool_id(), "vpn.astrill");
  EXPECT_TRUE(s.remote_access(0).installed());
  EXPECT_FALSE(s.remote_access(0).running());
}

TEST(RemoteAccess, CollectorWatchlistReplacesDefault_OnlyItsToolsAreMatched) {
  telltale::v1::Watchlist w;
  auto* t = w.add_tools();
  t->set_id("remote.rustdesk-custom");
  t->set_name("RustDesk (custom)");
  t->add_process_names("rustdesk");
  auto s = collect(kFixtures / "anydesk-rustdesk-laptop", &w);
  ASSERT_EQ(s.remote_access_size(), 1);
  EXPECT_EQ(s.remote_access(0).tool_id(), "remote.rustdesk-custom");
  EXPECT_FALSE(s.remote_access(0).installed());
  EXPECT_TRUE(s.remote_access(0).connected());
}

TEST(RemoteAccess, LongProcessNameCutByTheKernel_StillMatchesItsComm) {
  sensor_test::TempRoot root("ra");
  root.put("proc/77/comm", "vncserver-x11-s\n");
  root.put("proc/net/tcp", "");
  auto s = collect(root.path);
  ASSERT_EQ(s.remote_access_size(), 1);
  EXPECT_EQ(s.remote_access(0).tool_id(), "remote.realvnc");
}

TEST(RemoteAccess, GarbageInProcNetTcp_IsReportedAndGoodLinesStillCount) {
  sensor_test::TempRoot root("ra2");
  root.put("proc/50/comm", "x11vnc\n");
  fs::create_directories(root.path / "proc/50/fd");
  fs::create_symlink("socket:[900]", root.path / "proc/50/fd/3");
  root.put("proc/net/tcp",
           "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
           "   0: this is not a socket line\n"
           "   1: 00000000:170C 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 900 1 "
           "0000000000000000 100 0 0 10 0\n");
  auto s = collect(root.path);
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).path(), "proc/net/tcp");
  EXPECT_NE(s.errors(0).message().find("1 malformed line"), std::string::npos) << s.errors(0).message();
  ASSERT_EQ(s.remote_access_size(), 1);
  EXPECT_TRUE(s.remote_access(0).listening());
}

TEST(DefaultWatchlist, CoversTheIndicatorTools) {
  std::set<std::string> ids;
  for (const auto& t : telltale::platform::linux_probe::default_watchlist().tools()) {
    ids.insert(t.id());
    EXPECT_FALSE(t.process_names().empty()) << t.id();
    for (auto port : t.ports()) EXPECT_NE(port, 443u) << t.id() << " would claim every HTTPS connection";
  }
  for (const char* id : {"remote.anydesk", "remote.teamviewer", "remote.rustdesk", "remote.chrome_remote_desktop",
                         "remote.x11vnc", "remote.xrdp", "remote.nomachine", "vpn.astrill", "remote.tailscale",
                         "remote.ngrok", "remote.cloudflared", "remote.meshcentral", "remote.splashtop", "remote.parsec"})
    EXPECT_TRUE(ids.count(id)) << id;
}

}  // namespace
