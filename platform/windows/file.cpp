// platform/common/file.h on Win32: the same bounded reads and atomic writes,
// with CreateFileW / MoveFileExW instead of open(2) / rename(2). The POSIX
// mode argument has no meaning here: the state directory's ACL (SYSTEM and
// Administrators only, set by the installer) is what protects the files.
#include <windows.h>

#include <stdexcept>

#include "platform/common/file.h"
#include "platform/windows/win32_error.h"

namespace telltale {

ReadResult read_file(const std::filesystem::path& path, size_t max_bytes) {
  ReadResult r;
  HANDLE h = CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                         OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    const DWORD e = GetLastError();
    r.missing = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND;
    r.error = win::error_message(e);
    return r;
  }
  std::string buf;
  size_t used = 0;
  for (;;) {
    if (used == buf.size()) {
      if (buf.size() > max_bytes) break;
      buf.resize(std::min(std::max<size_t>(buf.size() * 2, 8192), max_bytes + 1));
    }
    DWORD n = 0;
    if (!ReadFile(h, buf.data() + used, DWORD(std::min<size_t>(buf.size() - used, 1 << 30)), &n, nullptr)) {
      r.error = win::error_message(GetLastError());
      CloseHandle(h);
      return r;
    }
    if (n == 0) break;
    used += n;
  }
  CloseHandle(h);
  if (used > max_bytes) {
    r.error = "larger than " + std::to_string(max_bytes) + " bytes";
    return r;
  }
  buf.resize(used);
  r.data = std::move(buf);
  return r;
}

std::optional<std::string> read_attribute(const std::filesystem::path& path, size_t max_bytes) {
  auto r = read_file(path, max_bytes);
  if (!r.data) return std::nullopt;
  std::string& s = *r.data;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return std::move(s);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data, unsigned /*mode*/) {
  auto tmp = path;
  tmp += ".tmp";
  HANDLE h = CreateFileW(tmp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) throw std::runtime_error("cannot create " + tmp.string() + ": " + win::error_message(GetLastError()));
  size_t off = 0;
  while (off < data.size()) {
    DWORD n = 0;
    if (!WriteFile(h, data.data() + off, DWORD(std::min<size_t>(data.size() - off, 1 << 30)), &n, nullptr)) {
      const DWORD e = GetLastError();
      CloseHandle(h);
      DeleteFileW(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp.string() + ": " + win::error_message(e));
    }
    off += n;
  }
  if (!FlushFileBuffers(h)) {
    const DWORD e = GetLastError();
    CloseHandle(h);
    DeleteFileW(tmp.c_str());
    throw std::runtime_error("cannot flush " + tmp.string() + ": " + win::error_message(e));
  }
  CloseHandle(h);
  if (!MoveFileExW(tmp.c_str(), path.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    const DWORD e = GetLastError();
    DeleteFileW(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp.string() + " to " + path.string() + ": " + win::error_message(e));
  }
}

}  // namespace telltale
