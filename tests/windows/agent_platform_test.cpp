// The Win32 twins of platform/common that the agent runs on (state dir ACL,
// TCP connect with timeouts, process figures, stop requests, defaults),
// under Wine against the real APIs.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "platform/common/file.h"
#include "platform/common/private_dir.h"
#include "platform/common/process_stats.h"
#include "platform/common/stop_request.h"
#include "platform/common/tcp_connect.h"
#include "platform/host_platform.h"
#include "platform/windows/win32_error.h"

namespace {

using namespace std::chrono_literals;

std::filesystem::path fresh_dir(const std::string& name) {
  wchar_t tmp[MAX_PATH];
  GetTempPathW(MAX_PATH, tmp);
  auto dir = std::filesystem::path(tmp) / ("telltale-" + name + "-" + std::to_string(GetCurrentProcessId()));
  std::filesystem::remove_all(dir);
  return dir;
}

// The DACL of `path` as SDDL, read back from the file system.
std::string dacl_sddl(const std::filesystem::path& path) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  PACL dacl = nullptr;
  DWORD rc = GetNamedSecurityInfoW(path.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl,
                                   nullptr, &sd);
  if (rc != ERROR_SUCCESS) return "error: " + telltale::win::error_message(rc);
  LPWSTR text = nullptr;
  std::string out;
  if (ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text,
                                                           nullptr))
    out = telltale::win::utf8(text);
  LocalFree(text);
  LocalFree(sd);
  return out;
}

// Wine 8 keeps no security descriptors on files: it maps a DACL to Unix mode
// bits and reads one back made from the mode (measured: after
// SetNamedSecurityInfoW with kPrivateDirSddl a directory still reads back as
// "D:(A;OICI;FA;;;SY)(A;OICI;FA;;;S-1-5-21-0-0-0-1000)(A;OICI;0x1200a9;;;WD)",
// no user.wine.sd xattr is written). So under Wine the descriptor the agent
// applies is checked ACE by ACE, and the read-back from the file system runs
// on real Windows only.
bool under_wine() { return GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != nullptr; }

TEST(WindowsStateDir, AppliedDescriptor_IsProtectedFullControlForSystemAndAdministratorsOnly) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  const std::wstring sddl = telltale::win::wide(std::string(telltale::kPrivateDirSddl));
  ASSERT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &sd, nullptr));
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  ASSERT_TRUE(GetSecurityDescriptorControl(sd, &control, &revision));
  EXPECT_TRUE(control & SE_DACL_PROTECTED) << "inherited entries from %ProgramData% (Users: read) would stay";
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  ASSERT_TRUE(GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted));
  ASSERT_TRUE(present && dacl);
  ASSERT_EQ(dacl->AceCount, 2);
  const WELL_KNOWN_SID_TYPE expected[] = {WinLocalSystemSid, WinBuiltinAdministratorsSid};
  for (DWORD i = 0; i < 2; ++i) {
    ACCESS_ALLOWED_ACE* ace = nullptr;
    ASSERT_TRUE(GetAce(dacl, i, reinterpret_cast<void**>(&ace)));
    EXPECT_EQ(ace->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
    EXPECT_EQ(ace->Header.AceFlags, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE);
    EXPECT_EQ(ace->Mask, DWORD(FILE_ALL_ACCESS));
    EXPECT_TRUE(IsWellKnownSid(reinterpret_cast<PSID>(&ace->SidStart), expected[i])) << "ACE " << i;
  }
  LocalFree(sd);
}

TEST(WindowsStateDir, NewStateDir_IsCreatedAndRestricted) {
  auto dir = fresh_dir("state") / "Telltale";
  ASSERT_NO_THROW(telltale::make_private_dir(dir));
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  if (!under_wine()) EXPECT_EQ(dacl_sddl(dir), std::string(telltale::kPrivateDirSddl));
  ASSERT_NO_THROW(telltale::make_private_dir(dir)) << "an existing state dir is restricted again, not refused";
  if (!under_wine()) EXPECT_EQ(dacl_sddl(dir), std::string(telltale::kPrivateDirSddl));
  std::filesystem::remove_all(dir.parent_path());
}

TEST(WindowsStateDir, StateDirUnderAFile_ErrorNamesThePath) {
  auto base = fresh_dir("blocked");
  std::filesystem::create_directories(base);
  telltale::write_file_atomic(base / "file", "x");
  try {
    telltale::make_private_dir(base / "file" / "Telltale");
    FAIL() << "created a directory below a file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Telltale"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(base);
}

TEST(WindowsStateDir, AtomicWriteReplacesTheFileInThePrivateDir) {
  auto dir = fresh_dir("atomic");
  telltale::make_private_dir(dir);
  telltale::write_file_atomic(dir / "identity.toml", "device_id = \"a\"\n");
  telltale::write_file_atomic(dir / "identity.toml", "device_id = \"b\"\n");
  auto r = telltale::read_file(dir / "identity.toml");
  ASSERT_TRUE(r.data) << r.error;
  EXPECT_EQ(*r.data, "device_id = \"b\"\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "identity.toml.tmp"));
  std::filesystem::remove_all(dir);
}

TEST(WindowsHostPlatform, Defaults_StateUnderProgramDataAndManagedConfigBesideIt) {
  auto d = telltale::platform::host::defaults();
  wchar_t program_data[MAX_PATH];
  ASSERT_GT(GetEnvironmentVariableW(L"ProgramData", program_data, MAX_PATH), 0u);
  EXPECT_EQ(d.state_dir, std::filesystem::path(program_data) / "Telltale");
  EXPECT_EQ(d.managed_config, d.state_dir / "agent.toml");
  EXPECT_TRUE(std::filesystem::is_directory(d.root)) << d.root.string();
  EXPECT_EQ(telltale::platform::host::name(), "windows");
}

TEST(WindowsHostPlatform, ProbesAndWatchlist_AreTheWindowsOnes) {
  auto probes = telltale::platform::host::make_probes();
  ASSERT_FALSE(probes.empty());
  EXPECT_EQ(probes.front()->name(), "hardware");
  EXPECT_GT(telltale::platform::host::default_watchlist().tools_size(), 0);
}

// A listening socket on loopback, for connect_tcp to reach.
struct Listener {
  SOCKET s = INVALID_SOCKET;
  int port = 0;
  Listener() {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(s, 4);
    int len = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { closesocket(s); }
};

TEST(WindowsTcpConnect, ListeningLoopbackPort_ConnectsAndReadsTimeOut) {
  Listener l;
  auto c = telltale::connect_tcp("127.0.0.1:" + std::to_string(l.port), std::chrono::seconds(1));
  ASSERT_GE(c.fd(), 0);
  // Nobody writes: the receive timeout ends the read instead of hanging.
  char b;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(recv(static_cast<SOCKET>(c.fd()), &b, 1, 0), SOCKET_ERROR);
  EXPECT_EQ(WSAGetLastError(), WSAETIMEDOUT);
  EXPECT_GT(std::chrono::steady_clock::now() - t0, 500ms);
}

TEST(WindowsTcpConnect, ClosedPort_ErrorNamesTheAddress) {
  int port;
  {
    Listener l;
    port = l.port;
  }
  const std::string address = "127.0.0.1:" + std::to_string(port);
  try {
    telltale::connect_tcp(address, std::chrono::seconds(2));
    FAIL() << "connected to a closed port";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect to collector at " + address), std::string::npos) << e.what();
  }
}

TEST(WindowsTcpConnect, AddressWithoutPort_IsRefused) {
  EXPECT_THROW(telltale::connect_tcp("127.0.0.1", std::chrono::seconds(1)), std::runtime_error);
}

TEST(WindowsProcessStats, ResidentSetAndCpuTime_GrowWithWork) {
  EXPECT_GT(telltale::self_rss_bytes(), 1u << 20);
  const double before = telltale::self_cpu_seconds();
  volatile uint64_t x = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 300ms) x = x + 1;
  EXPECT_GT(telltale::self_cpu_seconds(), before);
}

TEST(WindowsStopRequest, StopTokenEndsTheSleepEarly) {
  std::stop_source source;
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    source.request_stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(telltale::sleep_unless_stopped(std::chrono::milliseconds(60000), source.get_token()));
  const auto waited = std::chrono::steady_clock::now() - t0;
  stopper.join();
  EXPECT_LT(waited, 30s);  // far below the minute asked for
}

TEST(WindowsStopRequest, WithoutARequest_SleepsTheWholeDelay) {
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(telltale::sleep_unless_stopped(300ms));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
}

}  // namespace
