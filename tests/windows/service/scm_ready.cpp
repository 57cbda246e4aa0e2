// Waits until the Service Control Manager accepts StartService, for scripts
// that drive msiexec in a fresh Wine prefix. Wine's services.exe holds its
// database lock while it starts the prefix's own automatic services (device
// drivers, RpcSs, …: seconds on a loaded machine), StartService answers
// ERROR_SERVICE_DATABASE_LOCKED after a 3 s wait meanwhile, and msiexec's
// StartServices then fails the install. Windows holds that lock only during
// boot. Probes with a throw-away demand-start service whose binary does not
// exist: any answer but "locked" means the lock is free.
//   telltale-scm-ready.exe   exit 0 when free, 1 after 120 s
#include <windows.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "platform/windows/win32_error.h"

int main() {
  const auto t0 = std::chrono::steady_clock::now();
  SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_ALL_ACCESS);
  if (!scm) {
    std::cerr << "scm-ready: OpenSCManager: " << telltale::win::error_message(GetLastError()) << "\n";
    return 1;
  }
  SC_HANDLE probe = CreateServiceW(scm, L"TelltaleScmReadyProbe", L"TelltaleScmReadyProbe", SERVICE_ALL_ACCESS,
                                   SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START, SERVICE_ERROR_IGNORE,
                                   L"C:\\telltale-scm-ready-probe\\missing.exe", nullptr, nullptr, nullptr, nullptr,
                                   nullptr);
  if (!probe) probe = OpenServiceW(scm, L"TelltaleScmReadyProbe", SERVICE_ALL_ACCESS);
  if (!probe) {
    std::cerr << "scm-ready: CreateService: " << telltale::win::error_message(GetLastError()) << "\n";
    return 1;
  }
  int attempts = 0;
  DWORD error = ERROR_SERVICE_DATABASE_LOCKED;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120)) {
    ++attempts;
    error = StartServiceW(probe, 0, nullptr) ? ERROR_SUCCESS : GetLastError();
    if (error != ERROR_SERVICE_DATABASE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  DeleteService(probe);
  CloseServiceHandle(probe);
  CloseServiceHandle(scm);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "scm-ready: attempts=" << attempts << " ms=" << ms << " last=" << telltale::win::error_message(error)
            << "\n";
  return error == ERROR_SERVICE_DATABASE_LOCKED ? 1 : 0;
}
