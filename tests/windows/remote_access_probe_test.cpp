// AnyDesk installed as a service, running from its install directory, with
// the connections Windows attributes to it (recorded: Wine's TCP table has
// no owning PIDs).
#include <gtest/gtest.h>
#include <windows.h>

#include <cstdlib>

#include "platform/windows/remote_access.h"
#include "catalog_windows.h"
#include "recorded_sources.h"
#include "registry_fixture.h"

namespace {

using namespace telltale::platform::windows_probe;
using telltale::testing::RecordedTcp;
using telltale::testing::RegistryFixture;

// Started as "AnyDesk.exe" (a copy of this test program), it only waits.
const bool kHelper = [] {
  if (std::getenv("TELLTALE_WINDOWS_IDLE_HELPER")) {
    Sleep(120000);
    ExitProcess(0);
  }
  return false;
}();

class RunningAnyDesk {
 public:
  RunningAnyDesk() {
    const std::wstring dir = L"C:\\Program Files (x86)\\AnyDesk";
    CreateDirectoryW(dir.c_str(), nullptr);
    wchar_t self[MAX_PATH];
    GetModuleFileNameW(nullptr, self, MAX_PATH);
    exe_ = dir + L"\\AnyDesk.exe";
    if (!CopyFileW(self, exe_.c_str(), FALSE)) throw std::runtime_error("cannot copy the helper to AnyDesk.exe");
    SetEnvironmentVariableW(L"TELLTALE_WINDOWS_IDLE_HELPER", L"1");
    STARTUPINFOW si{};
    si.cb = sizeof si;
    std::wstring cmd = L"\"" + exe_ + L"\" --service";
    const BOOL ok = CreateProcessW(exe_.c_str(), cmd.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi_);
    SetEnvironmentVariableW(L"TELLTALE_WINDOWS_IDLE_HELPER", nullptr);
    if (!ok) throw std::runtime_error("cannot start AnyDesk.exe");
  }
  ~RunningAnyDesk() {
    TerminateProcess(pi_.hProcess, 0);
    WaitForSingleObject(pi_.hProcess, 10000);
    CloseHandle(pi_.hThread);
    CloseHandle(pi_.hProcess);
    DeleteFileW(exe_.c_str());
    RemoveDirectoryW(L"C:\\Program Files (x86)\\AnyDesk");
  }
  uint32_t pid() const { return pi_.dwProcessId; }

 private:
  std::wstring exe_;
  PROCESS_INFORMATION pi_{};
};

const telltale::v1::RemoteAccessTool* find(const telltale::v1::Snapshot& s, const std::string& id) {
  for (const auto& t : s.remote_access())
    if (t.tool_id() == id) return &t;
  return nullptr;
}

TEST(WindowsRemoteAccessProbe, AnyDeskInstalledRunningAndConnected_IsSeenEveryWay) {
  RegistryFixture machine("anydesk-laptop");
  RunningAnyDesk anydesk;
  RecordedTcp tcp;
  tcp.list = {{"0.0.0.0:7070", "", 7070, 0, true, false, anydesk.pid()},
              {"192.168.1.20:50712", "195.181.174.10:443", 50712, 443, false, true, anydesk.pid()},
              {"192.168.1.20:50999", "140.82.112.3:443", 50999, 443, false, true, anydesk.pid() + 4}};
  telltale::v1::Snapshot s;
  RemoteAccessProbe(tcp).collect({}, s);
  const auto* t = find(s, "remote.anydesk");
  ASSERT_NE(t, nullptr) << s.DebugString();
  EXPECT_TRUE(t->installed());
  EXPECT_TRUE(t->running());
  EXPECT_TRUE(t->listening());
  EXPECT_TRUE(t->connected());
  ASSERT_EQ(t->services_size(), 1);
  EXPECT_EQ(t->services(0), "AnyDesk");
  ASSERT_EQ(t->processes_size(), 1);
  EXPECT_EQ(t->processes(0).pid(), anydesk.pid());
  EXPECT_EQ(t->processes(0).comm(), "AnyDesk.exe");
  EXPECT_EQ(t->processes(0).exe(), "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe");
  ASSERT_EQ(t->listening_ports_size(), 1);
  EXPECT_EQ(t->listening_ports(0), 7070u);
  ASSERT_EQ(t->peers_size(), 1);  // the other connection belongs to another process
  EXPECT_EQ(t->peers(0).remote_address(), "195.181.174.10:443");
}

// The kernel's round trip of a connected session (GetPerTcpConnectionEStats,
// recorded: Wine does not implement the TCP statistics).
TEST(WindowsRemoteAccessProbe, ConnectedAnyDeskSession_CarriesItsKernelRtt) {
  RegistryFixture machine("anydesk-laptop");
  RunningAnyDesk anydesk;
  RecordedTcp tcp;
  tcp.list = {{"192.168.1.20:50712", "195.181.174.10:443", 50712, 443, false, true, anydesk.pid()},
              {"192.168.1.20:50713", "195.181.174.11:443", 50713, 443, false, true, anydesk.pid()},
              {"192.168.1.20:50714", "195.181.174.12:443", 50714, 443, false, true, anydesk.pid()}};
  tcp.rtts["195.181.174.10:443"] = {182000, 21000};  // a relay across an ocean
  tcp.rtt_errors["195.181.174.11:443"] = "SetPerTcpConnectionEStats(195.181.174.11:443): Access is denied. (5)";
  telltale::v1::Snapshot s;
  RemoteAccessProbe(tcp).collect({}, s);
  const auto* t = find(s, "remote.anydesk");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->peers_size(), 3);
  EXPECT_TRUE(t->peers(0).rtt_measured());
  EXPECT_EQ(t->peers(0).rtt_us(), 182000u);
  EXPECT_EQ(t->peers(0).rttvar_us(), 21000u);
  EXPECT_FALSE(t->peers(1).rtt_measured());
  EXPECT_FALSE(t->peers(2).rtt_measured()) << "first seen: collection only switched on";
  int rtt_errors = 0;
  for (const auto& e : s.errors())
    if (e.path() == "GetPerTcpConnectionEStats") {
      ++rtt_errors;
      EXPECT_NE(e.message().find("195.181.174.11:443"), std::string::npos) << e.message();
    }
  EXPECT_EQ(rtt_errors, 1);
}

TEST(WindowsRemoteAccessProbe, AnyDeskRunning_IsJudgedByTheCatalogsAnyDeskEntry) {
  RegistryFixture machine("anydesk-laptop");
  RunningAnyDesk anydesk;
  RecordedTcp tcp;
  telltale::v1::Snapshot s;
  RemoteAccessProbe(tcp).collect({}, s);
  const auto* t = find(s, "remote.anydesk");
  ASSERT_NE(t, nullptr) << s.DebugString();
  ASSERT_EQ(t->processes_size(), 1);
  ASSERT_EQ(t->services_size(), 1);
  const auto catalog = telltale::testing::catalog_windows_tools();
  const auto entry = catalog.find(t->tool_id());
  ASSERT_NE(entry, catalog.end()) << t->tool_id() << " is in no catalog entry: the detector would judge it by defaults";
  EXPECT_TRUE(telltale::testing::contains_nocase(entry->second.executables, t->processes(0).comm()));
  EXPECT_TRUE(telltale::testing::contains_nocase(entry->second.services, t->services(0)));
  EXPECT_EQ(entry->second.category, "remote_control");
}

TEST(WindowsRemoteAccessProbe, CleanLaptop_ReportsNoRemoteTool) {
  RegistryFixture machine("clean-laptop");
  RecordedTcp tcp;
  telltale::v1::Snapshot s;
  RemoteAccessProbe(tcp).collect({}, s);
  EXPECT_EQ(find(s, "remote.anydesk"), nullptr);
  for (const auto& t : s.remote_access()) ADD_FAILURE() << t.tool_id() << " reported on a clean laptop";
}

}  // namespace
