#pragma once
// Loads one of the machines of tests/fixtures/windows/make_reg_fixtures.py
// into Wine's registry with regedit (as an admin would import a .reg file),
// after removing every fixture machine's keys so machines never mix, and
// removes its keys again at the end of the test.
#include <windows.h>

#include <stdexcept>
#include <string>

namespace telltale::testing {

inline const char* const kWindowsMachines[] = {"clean-laptop", "pikvm-laptop", "anydesk-laptop", "korean-ime-laptop"};

inline void run_regedit(const std::string& reg_file) {
  std::wstring cmd = L"C:\\windows\\regedit.exe /S \"" + std::wstring(reg_file.begin(), reg_file.end()) + L"\"";
  STARTUPINFOW si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  // Wine's CreateProcess now and then answers ERROR_INTERNAL_ERROR (1359)
  // when the machine is loaded by parallel tests (seen once in CI); the
  // import itself is idempotent, so a second attempt is the same import.
  std::string errors;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (CreateProcessW(nullptr, cmd.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi)) break;
    errors += (errors.empty() ? "" : ", ") + std::to_string(GetLastError());
    pi = PROCESS_INFORMATION{};
    Sleep(500);
  }
  if (!pi.hProcess) throw std::runtime_error("cannot start regedit for " + reg_file + ": errors " + errors);
  WaitForSingleObject(pi.hProcess, 60000);
  DWORD code = 1;
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
  if (code != 0) throw std::runtime_error("regedit /S " + reg_file + " exited with " + std::to_string(code));
}

class RegistryFixture {
 public:
  explicit RegistryFixture(const std::string& machine) : machine_(machine) {
    clear_all();
    run_regedit(path(machine_ + ".reg"));
  }
  ~RegistryFixture() {
    try {
      run_regedit(path(machine_ + ".cleanup.reg"));
    } catch (...) {
    }
  }
  RegistryFixture(const RegistryFixture&) = delete;

  static void clear_all() {
    for (const char* m : kWindowsMachines) run_regedit(path(std::string(m) + ".cleanup.reg"));
  }
  static std::string path(const std::string& file) { return std::string(TELLTALE_WINDOWS_FIXTURES) + "\\" + file; }

 private:
  std::string machine_;
};

}  // namespace telltale::testing
