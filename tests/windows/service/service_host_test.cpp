// The service host under a real Service Control Manager (Wine's services.exe
// in a fresh prefix): each test registers telltale-service-heartbeat.exe with
// CreateService, drives it through the SCM and reads what the SCM reports.
// Timeouts below are failure guards for a loaded machine, not measurements.
#include <windows.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "platform/windows/service_host.h"
#include "platform/windows/win32_error.h"

namespace {

using namespace std::chrono_literals;
using telltale::win::error_message;

std::wstring windows_path(std::string p) {
  for (auto& c : p)
    if (c == '/') c = '\\';
  return telltale::win::wide(p);
}

const std::wstring kHeartbeatExe = windows_path(TELLTALE_HEARTBEAT_EXE);
const std::wstring kWorkDir = L"C:\\ProgramData\\telltale-service-test";

struct Heartbeat {
  int beats = -1;
  std::string token_file;
  std::string state;
};

Heartbeat read_heartbeat(const std::wstring& path) {
  Heartbeat h;
  std::ifstream in(telltale::win::utf8(path));
  std::string line, field;
  if (!std::getline(in, line)) return h;
  std::istringstream fields(line);
  while (fields >> field) {
    const auto eq = field.find('=');
    if (eq == std::string::npos) continue;
    const auto key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "beats") h.beats = std::stoi(value);
    if (key == "token_file") h.token_file = value;
    if (key == "state") h.state = value;
  }
  return h;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds guard = 60s) {
  const auto end = std::chrono::steady_clock::now() + guard;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

// One registered service, deleted when the test ends.
class HeartbeatService {
 public:
  HeartbeatService(const std::wstring& name, const std::wstring& extra_args) : name_(name) {
    CreateDirectoryW(kWorkDir.c_str(), nullptr);
    heartbeat_ = kWorkDir + L"\\" + name + L".txt";
    DeleteFileW(heartbeat_.c_str());
    DeleteFileW((heartbeat_ + L".fault").c_str());
    scm_ = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_ALL_ACCESS);
    if (!scm_) throw std::runtime_error("OpenSCManager: " + error_message(GetLastError()));
    const std::wstring command = L"\"" + kHeartbeatExe + L"\" run --service --name " + name + L" --heartbeat \"" +
                                 heartbeat_ + L"\" " + extra_args;
    service_ = CreateServiceW(scm_, name.c_str(), name.c_str(), SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                              SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, command.c_str(), nullptr, nullptr, nullptr,
                              nullptr, nullptr);
    if (!service_) throw std::runtime_error("CreateService: " + error_message(GetLastError()));
  }
  ~HeartbeatService() {
    SERVICE_STATUS status;
    if (query().dwCurrentState != SERVICE_STOPPED) {
      ControlService(service_, SERVICE_CONTROL_STOP, &status);
      wait_until([&] { return query().dwCurrentState == SERVICE_STOPPED; }, 30s);
    }
    DeleteService(service_);
    CloseServiceHandle(service_);
    CloseServiceHandle(scm_);
    if (process_) CloseHandle(process_);
  }
  HeartbeatService(const HeartbeatService&) = delete;
  HeartbeatService& operator=(const HeartbeatService&) = delete;

  SC_HANDLE handle() const { return service_; }
  const std::wstring& heartbeat_path() const { return heartbeat_; }
  Heartbeat heartbeat() const { return read_heartbeat(heartbeat_); }

  SERVICE_STATUS_PROCESS query() const {
    SERVICE_STATUS_PROCESS s{};
    DWORD needed = 0;
    if (!QueryServiceStatusEx(service_, SC_STATUS_PROCESS_INFO, reinterpret_cast<BYTE*>(&s), sizeof s, &needed))
      ADD_FAILURE() << "QueryServiceStatusEx: " << error_message(GetLastError());
    return s;
  }

  // Wine's services.exe holds the database lock while it starts the prefix's
  // own automatic services (a few seconds after the first program runs);
  // StartService answers ERROR_SERVICE_DATABASE_LOCKED meanwhile, as Windows
  // does during boot.
  bool start() {
    bool started = false;
    wait_until([&] {
      started = StartServiceW(service_, 0, nullptr);
      return started || GetLastError() != ERROR_SERVICE_DATABASE_LOCKED;
    });
    if (!started) ADD_FAILURE() << "StartService: " << error_message(GetLastError());
    if (started) hold_process();
    return started;
  }

  // How the service's process ended, once it has: the body's exit code, or
  // an exception code such as 0xC0000005 if it faulted after reporting
  // STOPPED (which the SCM never sees).
  DWORD process_exit_code() {
    if (!process_) {
      ADD_FAILURE() << "the service's process was never seen";
      return DWORD(-1);
    }
    if (WaitForSingleObject(process_, 30000) != WAIT_OBJECT_0) {
      ADD_FAILURE() << "the service's process did not end after STOPPED";
      return DWORD(-1);
    }
    DWORD code = DWORD(-1);
    GetExitCodeProcess(process_, &code);
    // A fault after SERVICE_STOPPED never reaches the SCM, and during exit
    // it no longer changes the exit code; the heartbeat program's own
    // exception handler leaves a note next to its heartbeat.
    std::ifstream fault(telltale::win::utf8(heartbeat_ + L".fault"));
    std::string what;
    if (fault && std::getline(fault, what)) ADD_FAILURE() << "the service's process (pid " << pid_ << ") faulted: " << what;
    return code;
  }

  void start_and_wait_running() {
    ASSERT_TRUE(start());
    ASSERT_TRUE(wait_until([&] { return query().dwCurrentState == SERVICE_RUNNING; }))
        << "state " << query().dwCurrentState;
    // Beating: two different counts seen while RUNNING.
    int first = -1;
    ASSERT_TRUE(wait_until([&] { return (first = heartbeat().beats) >= 1; })) << "no heartbeat";
    ASSERT_TRUE(wait_until([&] { return heartbeat().beats > first; })) << "heartbeat stuck at " << first;
  }

  SERVICE_STATUS stop() {
    SERVICE_STATUS status{};
    EXPECT_TRUE(ControlService(service_, SERVICE_CONTROL_STOP, &status))
        << "ControlService(STOP): " << error_message(GetLastError());
    return status;
  }

 private:
  // The SCM names the process as soon as it is created; holding a handle
  // keeps its exit code readable after it is gone.
  void hold_process() {
    wait_until([&] { return query().dwProcessId != 0 || query().dwCurrentState == SERVICE_STOPPED; });
    pid_ = query().dwProcessId;
    if (pid_) process_ = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid_);
  }

  std::wstring name_;
  std::wstring heartbeat_;
  SC_HANDLE scm_ = nullptr;
  SC_HANDLE service_ = nullptr;
  HANDLE process_ = nullptr;
  DWORD pid_ = 0;
};

TEST(WindowsServiceHost, StartedByTheScm_BeatsUntilStopped_ThenReportsACleanStop) {
  HeartbeatService service(L"TelltaleTestClean", L"");
  service.start_and_wait_running();
  const auto running = service.query();
  EXPECT_NE(running.dwProcessId, 0u);
  EXPECT_EQ(running.dwControlsAccepted & SERVICE_ACCEPT_STOP, DWORD(SERVICE_ACCEPT_STOP));
  EXPECT_EQ(running.dwControlsAccepted & SERVICE_ACCEPT_SHUTDOWN, DWORD(SERVICE_ACCEPT_SHUTDOWN));

  service.stop();
  ASSERT_TRUE(wait_until([&] { return service.query().dwCurrentState == SERVICE_STOPPED; }));
  const auto stopped = service.query();
  EXPECT_EQ(stopped.dwWin32ExitCode, DWORD(NO_ERROR));
  EXPECT_EQ(stopped.dwServiceSpecificExitCode, 0u);
  // The body saw the stop and finished its own way (last write).
  const auto last = service.heartbeat();
  EXPECT_EQ(last.state, "stopped");
  EXPECT_GE(last.beats, 2);
  // And nothing beats any more.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(service.heartbeat().beats, last.beats);
  EXPECT_EQ(service.process_exit_code(), 0u) << "the process must end cleanly after reporting STOPPED";
}

TEST(WindowsServiceHost, BodyExitingNonZeroOnStop_IsReportedAsServiceSpecificExitCode) {
  HeartbeatService service(L"TelltaleTestExitCode", L"--exit-code 7");
  service.start_and_wait_running();
  service.stop();
  ASSERT_TRUE(wait_until([&] { return service.query().dwCurrentState == SERVICE_STOPPED; }));
  const auto stopped = service.query();
  EXPECT_EQ(stopped.dwWin32ExitCode, DWORD(ERROR_SERVICE_SPECIFIC_ERROR));
  EXPECT_EQ(stopped.dwServiceSpecificExitCode, 7u);
  EXPECT_EQ(service.process_exit_code(), 7u);
}

TEST(WindowsServiceHost, BodyFailingOnItsOwn_StopsWithItsCodeWithoutAStopControl) {
  HeartbeatService service(L"TelltaleTestFails", L"--fail-after-beats 3 --exit-code 5");
  ASSERT_TRUE(service.start());
  ASSERT_TRUE(wait_until([&] { return service.query().dwCurrentState == SERVICE_STOPPED; }))
      << "state " << service.query().dwCurrentState;
  const auto stopped = service.query();
  EXPECT_EQ(stopped.dwWin32ExitCode, DWORD(ERROR_SERVICE_SPECIFIC_ERROR));
  EXPECT_EQ(stopped.dwServiceSpecificExitCode, 5u);
  const auto last = service.heartbeat();
  EXPECT_EQ(last.beats, 3);
  EXPECT_EQ(last.state, "running");  // it never saw a stop request
  EXPECT_EQ(service.process_exit_code(), 5u);
}

TEST(WindowsServiceHost, SlowStop_StaysStopPendingWithAdvancingCheckpoints) {
  // Wait hint 400 ms: the host advances the checkpoint every 200 ms while the
  // body spends 2 s winding down.
  HeartbeatService service(L"TelltaleTestSlowStop", L"--stop-delay-ms 2000 --stop-wait-hint-ms 400");
  service.start_and_wait_running();
  const auto answer = service.stop();
  EXPECT_EQ(answer.dwCurrentState, DWORD(SERVICE_STOP_PENDING));
  DWORD max_checkpoint = 0, hint = 0;
  bool pending_seen = false;
  ASSERT_TRUE(wait_until([&] {
    const auto s = service.query();
    if (s.dwCurrentState == SERVICE_STOP_PENDING) {
      pending_seen = true;
      hint = s.dwWaitHint;
      max_checkpoint = std::max(max_checkpoint, s.dwCheckPoint);
    }
    return s.dwCurrentState == SERVICE_STOPPED;
  }));
  EXPECT_TRUE(pending_seen);
  EXPECT_EQ(hint, 400u);
  EXPECT_GE(max_checkpoint, 3u) << "checkpoint did not advance while the body was stopping";
  EXPECT_EQ(service.query().dwWin32ExitCode, DWORD(NO_ERROR));
  EXPECT_EQ(service.heartbeat().state, "stopped");
  EXPECT_EQ(service.process_exit_code(), 0u);
}

TEST(WindowsServiceHost, StartedFromAConsole_ExitsSayingItIsNotUnderTheScm) {
  std::wstring command = L"\"" + kHeartbeatExe + L"\" run --service --name TelltaleTestConsole --heartbeat \"" +
                         kWorkDir + L"\\console.txt\"";
  STARTUPINFOW si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  ASSERT_TRUE(CreateProcessW(nullptr, command.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi))
      << error_message(GetLastError());
  ASSERT_EQ(WaitForSingleObject(pi.hProcess, 60000), WAIT_OBJECT_0);
  DWORD code = 0;
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  EXPECT_EQ(code, 3u) << "the dispatcher should refuse a process the SCM did not start";
  EXPECT_EQ(GetFileAttributesW((kWorkDir + L"\\console.txt").c_str()), INVALID_FILE_ATTRIBUTES)
      << "the body must not run outside the SCM";
}

TEST(WindowsServiceHost, RecoveryPolicy_RestartActionsSetAndRefusedRefinementsNamed) {
  HeartbeatService service(L"TelltaleTestRecovery", L"");
  telltale::win::RecoveryPolicy policy;
  const auto result = telltale::win::configure_recovery(L"TelltaleTestRecovery", policy);
  EXPECT_EQ(result.error, "");
  // Windows takes all three settings; Wine 8 refuses the flag and delayed
  // start with ERROR_INVALID_LEVEL. Either way a refusal names its setting.
  for (const auto& w : result.warnings) {
    std::cout << "warning: " << w << "\n";
    EXPECT_TRUE(w.find("SERVICE_CONFIG_FAILURE_ACTIONS_FLAG") != std::string::npos ||
                w.find("SERVICE_CONFIG_DELAYED_AUTO_START_INFO") != std::string::npos)
        << w;
  }

  DWORD needed = 0;
  std::vector<BYTE> buffer(4096);
  if (!QueryServiceConfig2W(service.handle(), SERVICE_CONFIG_FAILURE_ACTIONS, buffer.data(), DWORD(buffer.size()),
                            &needed) &&
      GetLastError() == ERROR_INVALID_LEVEL)
    GTEST_SKIP() << "this SCM cannot read failure actions back (Wine 8: QueryServiceConfig2 level 2 not "
                    "implemented, and ChangeServiceConfig2 accepts them without storing them)";
  const auto* actions = reinterpret_cast<const SERVICE_FAILURE_ACTIONSW*>(buffer.data());
  EXPECT_EQ(actions->dwResetPeriod, 600u);
  ASSERT_EQ(actions->cActions, 3u);
  for (DWORD i = 0; i < actions->cActions; ++i) {
    EXPECT_EQ(actions->lpsaActions[i].Type, SC_ACTION_RESTART) << i;
    EXPECT_EQ(actions->lpsaActions[i].Delay, 15000u) << i;
  }
}

TEST(WindowsServiceHost, RecoveryPolicyForAMissingService_NamesTheServiceAndTheCall) {
  const auto result = telltale::win::configure_recovery(L"TelltaleNoSuchService", {});
  EXPECT_NE(result.error.find("service TelltaleNoSuchService: OpenService: "), std::string::npos) << result.error;
}

}  // namespace
