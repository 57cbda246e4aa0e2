// Both programs carry a VERSIONINFO with the project's version, read back the
// way Windows Installer and Explorer read it (GetFileVersionInfo under Wine).
#include <gtest/gtest.h>
#include <windows.h>

#include <string>
#include <vector>

#include "platform/windows/win32_error.h"

namespace {

struct VersionInfo {
  std::string error;
  unsigned major = 0, minor = 0, patch = 0, build = 0;
  std::string file_version, product_name, original_filename;
};

VersionInfo read_version(const std::string& exe) {
  VersionInfo v;
  const std::wstring path = telltale::win::wide(exe);
  DWORD ignored = 0;
  const DWORD size = GetFileVersionInfoSizeW(path.c_str(), &ignored);
  if (size == 0) {
    v.error = exe + ": GetFileVersionInfoSize: " + telltale::win::error_message(GetLastError());
    return v;
  }
  std::vector<uint8_t> data(size);
  if (!GetFileVersionInfoW(path.c_str(), 0, size, data.data())) {
    v.error = exe + ": GetFileVersionInfo: " + telltale::win::error_message(GetLastError());
    return v;
  }
  VS_FIXEDFILEINFO* fixed = nullptr;
  UINT len = 0;
  if (VerQueryValueW(data.data(), L"\\", reinterpret_cast<void**>(&fixed), &len) && fixed) {
    v.major = HIWORD(fixed->dwFileVersionMS);
    v.minor = LOWORD(fixed->dwFileVersionMS);
    v.patch = HIWORD(fixed->dwFileVersionLS);
    v.build = LOWORD(fixed->dwFileVersionLS);
  }
  auto text = [&](const wchar_t* name) {
    wchar_t* value = nullptr;
    UINT chars = 0;
    const std::wstring key = std::wstring(L"\\StringFileInfo\\040904B0\\") + name;
    if (!VerQueryValueW(data.data(), key.c_str(), reinterpret_cast<void**>(&value), &chars) || !value) return std::string();
    return telltale::win::utf8(std::wstring(value, wcsnlen(value, chars)));
  };
  v.file_version = text(L"FileVersion");
  v.product_name = text(L"ProductName");
  v.original_filename = text(L"OriginalFilename");
  return v;
}

void expect_project_version(const std::string& exe, const std::string& name) {
  const auto v = read_version(exe);
  ASSERT_TRUE(v.error.empty()) << v.error;
  EXPECT_EQ(std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch), TELLTALE_PROJECT_VERSION);
  EXPECT_EQ(v.build, 0u);
  EXPECT_EQ(v.file_version, TELLTALE_PROJECT_VERSION);
  EXPECT_EQ(v.product_name, "Telltale agent");
  EXPECT_EQ(v.original_filename, name);
}

TEST(WindowsVersionResource, AgentExe_CarriesTheProjectVersion) { expect_project_version(TELLTALE_AGENT_EXE, "telltale-agent.exe"); }

TEST(WindowsVersionResource, InputHelperExe_CarriesTheProjectVersion) {
  expect_project_version(TELLTALE_INPUT_HELPER_EXE, "telltale-input-helper.exe");
}

TEST(WindowsVersionResource, ProgramWithoutResource_IsReportedNotInvented) {
  // The test program itself has none: the reader says so instead of returning zeros.
  wchar_t self[MAX_PATH];
  GetModuleFileNameW(nullptr, self, MAX_PATH);
  EXPECT_FALSE(read_version(telltale::win::utf8(self)).error.empty());
}

}  // namespace
