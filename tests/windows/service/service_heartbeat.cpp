// A stand-in service for the service host and MSI tests: run_as_service with a
// body that rewrites a heartbeat file every 100 ms until the SCM stops it.
// It is also the payload the MSI tests install in place of telltale-agent.exe
// (that executable comes from another branch): it accepts the arguments the
// MSI's service entry passes and reports whether the token file was there.
//
//   telltale-service-heartbeat.exe run --service [--name NAME] [--heartbeat FILE]
//       [--token-file FILE] [--exit-code N] [--fail-after-beats N] [--stop-delay-ms N]
//       [--stop-wait-hint-ms N]
//
// Heartbeat file, one line, rewritten whole (temp + rename), by default
// %ProgramData%\TelltaleServiceTest\heartbeat.txt (outside the MSI's
// SYSTEM-only data directory: Wine does not run services as LocalSystem):
//   beats=N token_file=readable|unreadable|absent|none state=running|stopped
//   programdata_env=<%ProgramData% as the service sees it, or unset>
#include <windows.h>
// After windows.h:
#include <knownfolders.h>
#include <shlobj.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "platform/common/log.h"
#include "platform/windows/service_host.h"
#include "platform/windows/win32_error.h"

namespace {

struct Options {
  std::wstring name = L"TelltaleAgent";
  std::wstring heartbeat;
  std::wstring token_file;
  int exit_code = 0;
  int fail_after_beats = -1;
  int stop_delay_ms = 0;
  int stop_wait_hint_ms = 10000;
};

// The known folder, not %ProgramData%: a service's environment is the
// SCM's (under Wine 8 it says C:\users\Public).
std::wstring program_data() {
  PWSTR path = nullptr;
  std::wstring out = L"C:\\ProgramData";
  if (SUCCEEDED(SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &path)) && path) out = path;
  CoTaskMemFree(path);
  return out;
}

bool write_heartbeat(const std::wstring& path, const std::string& line) {
  const std::wstring temp = path + L".new";
  HANDLE f = CreateFileW(temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (f == INVALID_HANDLE_VALUE) return false;
  DWORD written = 0;
  const bool ok = WriteFile(f, line.data(), DWORD(line.size()), &written, nullptr) && written == line.size();
  CloseHandle(f);
  if (!ok) return false;
  // The test reads the heartbeat while the service beats; a reader holding
  // it open makes the replace fail with a sharing violation (seen under a
  // loaded CI machine, when this returned 70 after the first beat). The
  // reader lets go within milliseconds.
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (MoveFileExW(temp.c_str(), path.c_str(), MOVEFILE_REPLACE_EXISTING)) return true;
    const DWORD error = GetLastError();
    if (error != ERROR_SHARING_VIOLATION && error != ERROR_ACCESS_DENIED) return false;
    Sleep(20);
  }
  return false;
}

// What the agent would find: the token file readable, there but not
// readable by this service's account, or not there.
std::string token_state(const Options& o) {
  if (o.token_file.empty()) return "none";
  HANDLE f = CreateFileW(o.token_file.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                         0, nullptr);
  if (f != INVALID_HANDLE_VALUE) {
    CloseHandle(f);
    return "readable";
  }
  const DWORD error = GetLastError();
  return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND ? "absent" : "unreadable";
}

// Whether the service's environment names ProgramData (measured for the
// docs: programs must not rely on it).
std::string program_data_env() {
  wchar_t buffer[1024];
  const DWORD n = GetEnvironmentVariableW(L"ProgramData", buffer, 1024);
  return n == 0 ? "unset" : n >= 1024 ? "long" : telltale::win::utf8(std::wstring(buffer, n));
}

int body(const Options& o, std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  int beats = 0;
  auto line = [&](const char* state) {
    return "beats=" + std::to_string(beats) + " token_file=" + token_state(o) + " state=" + state +
           " programdata_env=" + telltale::log::q(program_data_env()) + "\n";
  };
  while (!stop.stop_requested()) {
    ++beats;
    if (!write_heartbeat(o.heartbeat, line("running"))) {
      spdlog::error("event=heartbeat_failed path={} error={}", telltale::log::q(telltale::win::utf8(o.heartbeat)),
                    telltale::log::q(telltale::win::error_message(GetLastError())));
      return 70;
    }
    if (o.fail_after_beats >= 0 && beats >= o.fail_after_beats) return o.exit_code;  // dies on its own
    std::unique_lock lock(m);
    cv.wait_for(lock, stop, std::chrono::milliseconds(100), [] { return false; });
  }
  // A slow, orderly shutdown (spool flush) that the host must cover with
  // STOP_PENDING checkpoints.
  std::this_thread::sleep_for(std::chrono::milliseconds(o.stop_delay_ms));
  write_heartbeat(o.heartbeat, line("stopped"));
  return o.exit_code;
}

// A fault anywhere in the process, even on a thread the host still runs
// after SERVICE_STOPPED while the process exits, leaves "<heartbeat>.fault"
// for the test to find: neither the SCM nor the exit code tells. Only
// kernel calls here, no allocation: the heap may be what broke.
wchar_t g_fault_path[MAX_PATH + 8];

LONG CALLBACK note_fault(EXCEPTION_POINTERS* info) {
  const DWORD code = info->ExceptionRecord->ExceptionCode;
  if (code != EXCEPTION_ACCESS_VIOLATION && code != EXCEPTION_ILLEGAL_INSTRUCTION && code != EXCEPTION_STACK_OVERFLOW &&
      code != EXCEPTION_IN_PAGE_ERROR)
    return EXCEPTION_CONTINUE_SEARCH;
  HANDLE f = CreateFileW(g_fault_path, FILE_APPEND_DATA, FILE_SHARE_READ, nullptr, OPEN_ALWAYS, 0, nullptr);
  if (f != INVALID_HANDLE_VALUE) {
    char line[96];
    const int n = wsprintfA(line, "exception 0x%08lx at %p\r\n", code, info->ExceptionRecord->ExceptionAddress);
    DWORD written = 0;
    WriteFile(f, line, DWORD(n), &written, nullptr);
    CloseHandle(f);
  }
  return EXCEPTION_CONTINUE_SEARCH;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  telltale::log::init("telltale-service-heartbeat");
  Options o;
  CreateDirectoryW((program_data() + L"\\TelltaleServiceTest").c_str(), nullptr);
  o.heartbeat = program_data() + L"\\TelltaleServiceTest\\heartbeat.txt";
  bool run = false, service = false;
  for (int i = 1; i < argc; ++i) {
    const std::wstring a = argv[i];
    auto value = [&]() -> std::wstring {
      if (i + 1 >= argc) throw std::invalid_argument(telltale::win::utf8(a) + " needs a value");
      return argv[++i];
    };
    try {
      if (a == L"run") run = true;
      else if (a == L"--service") service = true;
      else if (a == L"--name") o.name = value();
      else if (a == L"--heartbeat") o.heartbeat = value();
      else if (a == L"--token-file") o.token_file = value();
      else if (a == L"--exit-code") o.exit_code = std::stoi(value());
      else if (a == L"--fail-after-beats") o.fail_after_beats = std::stoi(value());
      else if (a == L"--stop-delay-ms") o.stop_delay_ms = std::stoi(value());
      else if (a == L"--stop-wait-hint-ms") o.stop_wait_hint_ms = std::stoi(value());
      else throw std::invalid_argument("unknown argument " + telltale::win::utf8(a));
    } catch (const std::exception& e) {
      std::cerr << "telltale-service-heartbeat: " << e.what() << "\n";
      return 2;
    }
  }
  if (o.heartbeat.size() < MAX_PATH) {
    wcscpy(g_fault_path, (o.heartbeat + L".fault").c_str());
    AddVectoredExceptionHandler(1, note_fault);
  }
  if (!run || !service) {
    std::cerr << "usage: telltale-service-heartbeat run --service [--name NAME] [--heartbeat FILE] ...\n";
    return 2;
  }
  telltale::win::ServiceHostOptions host;
  host.stop_wait_hint = std::chrono::milliseconds(o.stop_wait_hint_ms);
  const auto result =
      telltale::win::run_as_service(o.name, [&](std::stop_token stop) { return body(o, stop); }, host);
  if (!result.dispatched) {
    std::cerr << "telltale-service-heartbeat: " << result.error << "\n";
    return 3;
  }
  return result.exit_code;
}
