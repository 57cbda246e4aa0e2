// platform/common/private_dir.h on Win32: the directory gets a protected
// DACL (no entries inherited from %ProgramData%, where Users may read)
// granting SYSTEM and Administrators full control, inherited by the files
// the agent creates in it.
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <stdexcept>

#include "platform/common/private_dir.h"
#include "platform/windows/win32_error.h"

namespace telltale {

void make_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("state dir " + dir.string() + ": cannot create: " + ec.message());
  PSECURITY_DESCRIPTOR sd = nullptr;
  const std::wstring sddl = win::wide(std::string(kPrivateDirSddl));
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &sd, nullptr))
    throw std::runtime_error("state dir " + dir.string() + ": ACL " + std::string(kPrivateDirSddl) +
                             " not understood: " + win::error_message(GetLastError()));
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted);
  std::wstring path = dir.wstring();
  const DWORD rc = SetNamedSecurityInfoW(path.data(), SE_FILE_OBJECT,
                                         DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
                                         nullptr, dacl, nullptr);
  LocalFree(sd);
  if (rc != ERROR_SUCCESS)
    throw std::runtime_error("state dir " + dir.string() + ": cannot restrict to SYSTEM and Administrators: " +
                             win::error_message(rc));
}

}  // namespace telltale
