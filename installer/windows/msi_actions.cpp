// The MSI's custom actions (telltale-msi-actions.dll, stored in the MSI's
// Binary table, never installed). wixl can express neither ACLs
// (LockPermissions) nor service recovery (MsiServiceConfigFailureActions), and
// the enrollment token must reach the disk without passing through a command
// line or the MSI log, so these two steps are code:
//
//   TelltalePrepareData      deferred, LocalSystem: creates %ProgramData%\Telltale
//                            readable by SYSTEM and Administrators only and, when
//                            TOKEN (the token) or TOKENFILE (a file holding it,
//                            relative to the .msi's folder) was given, writes it
//                            to enrollment.token there (the file the service's
//                            --token-file names).
//   TelltaleConfigureService deferred, LocalSystem: restart-on-failure actions and
//                            delayed auto-start (platform/windows/service_host).
//
// Deferred actions see only CustomActionData, set by a type-51 action of the
// same name; MsiHiddenProperties lists TOKEN and that property, so the log
// shows neither. Messages go to the MSI log (msiexec /l*v) and never carry
// the token: only its id (a hash prefix) and collector address.
#include <windows.h>
// After windows.h:
#include <msi.h>
#include <msiquery.h>
#include <sddl.h>
#include <aclapi.h>

#include <string>

#include "platform/common/enrollment_token.h"
#include "platform/windows/service_host.h"
#include "platform/windows/win32_error.h"

namespace {

using telltale::win::error_message;
using telltale::win::utf8;
using telltale::win::wide;

// SYSTEM and Administrators, full control, inherited by what is created
// inside; P = protected: nothing inherited from C:\ProgramData (where Users
// may read).
constexpr wchar_t kDataDirSddl[] = L"O:BAG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";
constexpr wchar_t kTokenFileSddl[] = L"O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)";

void log(MSIHANDLE install, const std::string& text) {
  PMSIHANDLE record = MsiCreateRecord(1);
  MsiRecordSetStringW(record, 0, wide(text).c_str());
  MsiProcessMessage(install, INSTALLMESSAGE_INFO, record);
}

std::wstring custom_action_data(MSIHANDLE install) {
  DWORD size = 0;
  wchar_t empty[1] = L"";
  MsiGetPropertyW(install, L"CustomActionData", empty, &size);
  std::wstring value(size + 1, L'\0');
  size = DWORD(value.size());
  if (MsiGetPropertyW(install, L"CustomActionData", value.data(), &size) != ERROR_SUCCESS) return {};
  value.resize(size);
  return value;
}

struct SecurityDescriptor {
  PSECURITY_DESCRIPTOR sd = nullptr;
  explicit SecurityDescriptor(const wchar_t* sddl) {
    ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd, nullptr);
  }
  ~SecurityDescriptor() {
    if (sd) LocalFree(sd);
  }
};

// Creates dir with the protected DACL, or puts that DACL on an existing one
// (an upgrade, or a directory someone made by hand). Returns "" or the error.
std::string prepare_dir(const std::wstring& dir) {
  SecurityDescriptor sd(kDataDirSddl);
  if (!sd.sd) return "security descriptor for " + utf8(dir) + ": " + error_message(GetLastError());
  SECURITY_ATTRIBUTES attributes{sizeof attributes, sd.sd, FALSE};
  if (CreateDirectoryW(dir.c_str(), &attributes)) return {};
  if (GetLastError() != ERROR_ALREADY_EXISTS) return "CreateDirectory " + utf8(dir) + ": " + error_message(GetLastError());
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = nullptr;
  GetSecurityDescriptorDacl(sd.sd, &present, &dacl, &defaulted);
  std::wstring path = dir;
  const DWORD rc = SetNamedSecurityInfoW(path.data(), SE_FILE_OBJECT,
                                         DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, nullptr,
                                         nullptr, dacl, nullptr);
  if (rc != ERROR_SUCCESS) return "SetNamedSecurityInfo " + utf8(dir) + ": " + error_message(rc);
  return {};
}

// Written beside the target and renamed over it, so the service never reads
// half a token and a token from an earlier install is replaced whole.
std::string write_token(const std::wstring& path, const std::string& token) {
  SecurityDescriptor sd(kTokenFileSddl);
  if (!sd.sd) return "security descriptor for " + utf8(path) + ": " + error_message(GetLastError());
  SECURITY_ATTRIBUTES attributes{sizeof attributes, sd.sd, FALSE};
  const std::wstring temp = path + L".msi-new";
  HANDLE file = CreateFileW(temp.c_str(), GENERIC_WRITE, 0, &attributes, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return "CreateFile " + utf8(temp) + ": " + error_message(GetLastError());
  DWORD written = 0;
  const BOOL ok = WriteFile(file, token.data(), DWORD(token.size()), &written, nullptr) && written == token.size() &&
                  FlushFileBuffers(file);
  const DWORD write_error = GetLastError();
  CloseHandle(file);
  if (!ok) {
    DeleteFileW(temp.c_str());
    return "WriteFile " + utf8(temp) + ": " + error_message(write_error);
  }
  if (!MoveFileExW(temp.c_str(), path.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    const DWORD error = GetLastError();
    DeleteFileW(temp.c_str());
    return "MoveFileEx " + utf8(temp) + " -> " + utf8(path) + ": " + error_message(error);
  }
  return {};
}

// Reads the token from TOKENFILE: relative paths are taken from the folder
// of the .msi being installed (an Intune Win32 app's package folder).
std::string read_token_file(std::wstring path, const std::wstring& msi, std::string* error) {
  const bool absolute = (path.size() > 2 && path[1] == L':') || path.starts_with(L"\\\\");
  if (!absolute) {
    const auto slash = msi.find_last_of(L"\\/");
    path = (slash == std::wstring::npos ? std::wstring() : msi.substr(0, slash + 1)) + path;
  }
  HANDLE file = CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, 0, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    *error = "TOKENFILE " + utf8(path) + ": " + error_message(GetLastError());
    return {};
  }
  std::string text(4097, '\0');
  DWORD read = 0;
  const BOOL ok = ReadFile(file, text.data(), DWORD(text.size()), &read, nullptr);
  const DWORD read_error = GetLastError();
  CloseHandle(file);
  if (!ok) *error = "TOKENFILE " + utf8(path) + ": " + error_message(read_error);
  else if (read > 4096) *error = "TOKENFILE " + utf8(path) + ": larger than 4096 bytes, not a token file";
  text.resize(read);
  return text;
}

}  // namespace

// CustomActionData: "<data dir>\|<TOKEN>|<TOKENFILE>|<OriginalDatabase>".
// Paths cannot hold '|': the data dir ends at the first one, the .msi path
// starts after the last one, TOKENFILE after the one before; whatever stays
// between is TOKEN (a malformed one may hold anything).
extern "C" __declspec(dllexport) UINT __stdcall TelltalePrepareData(MSIHANDLE install) {
  const std::wstring data = custom_action_data(install);
  const auto first = data.find(L'|');
  const auto last = data.rfind(L'|');
  const auto file_bar = last == std::wstring::npos || last == 0 ? std::wstring::npos : data.rfind(L'|', last - 1);
  if (first == std::wstring::npos || first == 0 || file_bar == std::wstring::npos || file_bar < first) {
    log(install, "TelltalePrepareData: CustomActionData is not \"DIR|TOKEN|TOKENFILE|MSI\" (the MSI's set-property action is missing)");
    return ERROR_INSTALL_FAILURE;
  }
  std::wstring dir = data.substr(0, first);
  while (dir.size() > 3 && (dir.back() == L'\\' || dir.back() == L'/')) dir.pop_back();
  const std::string token_arg = utf8(data.substr(first + 1, file_bar - first - 1));
  const std::wstring token_file = data.substr(file_bar + 1, last - file_bar - 1);
  const std::wstring msi = data.substr(last + 1);

  if (!token_arg.empty() && !token_file.empty()) {
    log(install, "TelltalePrepareData: both TOKEN and TOKENFILE given; give one");
    return ERROR_INSTALL_FAILURE;
  }
  if (auto error = prepare_dir(dir); !error.empty()) {
    log(install, "TelltalePrepareData: " + error);
    return ERROR_INSTALL_FAILURE;
  }
  log(install, "TelltalePrepareData: " + utf8(dir) + " readable by SYSTEM and Administrators only");
  std::string token_text = token_arg;
  if (!token_file.empty()) {
    std::string error;
    token_text = read_token_file(token_file, msi, &error);
    if (!error.empty()) {
      log(install, "TelltalePrepareData: " + error);
      return ERROR_INSTALL_FAILURE;
    }
  }
  if (token_arg.empty() && token_file.empty()) {
    log(install, "TelltalePrepareData: no TOKEN or TOKENFILE given; the agent waits for " + utf8(dir) +
                     "\\enrollment.token");
    return ERROR_SUCCESS;
  }
  // A mistyped token fails the install here, loudly, instead of leaving an
  // agent that retries a token the collector can never accept.
  std::string why;
  const auto token = telltale::parse_enrollment_token(token_text, &why);
  if (!token) {
    log(install, std::string("TelltalePrepareData: ") + (token_file.empty() ? "TOKEN" : "TOKENFILE") +
                     " rejected: " + why);
    return ERROR_INSTALL_FAILURE;
  }
  const std::wstring path = dir + L"\\enrollment.token";
  if (auto error = write_token(path, token->encode()); !error.empty()) {
    log(install, "TelltalePrepareData: " + error);
    return ERROR_INSTALL_FAILURE;
  }
  log(install, "TelltalePrepareData: token id=" + token->id() + " collector=" + token->address + " written to " +
                   utf8(path));
  return ERROR_SUCCESS;
}

// CustomActionData: the service name.
extern "C" __declspec(dllexport) UINT __stdcall TelltaleConfigureService(MSIHANDLE install) {
  const std::wstring name = custom_action_data(install);
  if (name.empty()) {
    log(install, "TelltaleConfigureService: CustomActionData holds no service name");
    return ERROR_INSTALL_FAILURE;
  }
  const telltale::win::RecoveryPolicy policy;
  const auto result = telltale::win::configure_recovery(name, policy);
  if (!result.error.empty()) {
    log(install, "TelltaleConfigureService: " + result.error);
    return ERROR_INSTALL_FAILURE;
  }
  // The restart actions are what matter; the refinements are logged.
  for (const auto& warning : result.warnings) log(install, "TelltaleConfigureService: warning: " + warning);
  log(install, "TelltaleConfigureService: service " + utf8(name) + " restarts " + std::to_string(policy.restarts) +
                   " times " + std::to_string(policy.delay.count()) + " s apart, reset after " +
                   std::to_string(policy.reset_after.count()) + " s" +
                   (result.warnings.empty() ? ", also after a non-zero exit code, delayed auto-start" : ""));
  return ERROR_SUCCESS;
}
