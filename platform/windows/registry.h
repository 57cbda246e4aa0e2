#pragma once
// Thin registry access for the probes: open a key, read typed values,
// enumerate names. Windows-only; values come back as UTF-8.
#include <windows.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace telltale::win {

class RegKey {
 public:
  RegKey() = default;
  // Opens root\path for reading (64-bit view); check ok() / error().
  RegKey(HKEY root, const std::wstring& path);
  RegKey(const RegKey&) = delete;
  RegKey& operator=(const RegKey&) = delete;
  RegKey(RegKey&& other) noexcept;
  ~RegKey();

  bool ok() const { return key_ != nullptr; }
  bool missing() const { return status_ == ERROR_FILE_NOT_FOUND || status_ == ERROR_PATH_NOT_FOUND; }
  std::string error() const;  // "" when open
  HKEY handle() const { return key_; }

  std::optional<std::string> string(const std::wstring& name) const;  // REG_SZ / REG_EXPAND_SZ
  std::optional<std::vector<std::string>> multi_string(const std::wstring& name) const;
  std::optional<std::vector<uint8_t>> binary(const std::wstring& name) const;
  std::optional<uint32_t> dword(const std::wstring& name) const;
  std::vector<std::wstring> subkeys() const;
  std::vector<std::wstring> value_names() const;

 private:
  std::optional<std::vector<uint8_t>> raw(const std::wstring& name, DWORD* type) const;
  HKEY key_ = nullptr;
  LSTATUS status_ = ERROR_SUCCESS;
};

// UTF-16 registry data (REG_SZ, REG_MULTI_SZ) to UTF-8 strings.
std::vector<std::string> split_multi_sz(const std::vector<uint8_t>& data);

}  // namespace telltale::win
