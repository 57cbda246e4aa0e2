#include "platform/windows/registry.h"

#include "platform/windows/win32_error.h"

namespace telltale::win {

RegKey::RegKey(HKEY root, const std::wstring& path) {
  status_ = RegOpenKeyExW(root, path.c_str(), 0, KEY_READ | KEY_WOW64_64KEY, &key_);
  if (status_ != ERROR_SUCCESS) key_ = nullptr;
}

RegKey::RegKey(RegKey&& other) noexcept : key_(other.key_), status_(other.status_) { other.key_ = nullptr; }

RegKey::~RegKey() {
  if (key_) RegCloseKey(key_);
}

std::string RegKey::error() const { return key_ ? "" : error_message(uint32_t(status_)); }

std::optional<std::vector<uint8_t>> RegKey::raw(const std::wstring& name, DWORD* type) const {
  if (!key_) return std::nullopt;
  DWORD size = 0;
  if (RegQueryValueExW(key_, name.c_str(), nullptr, type, nullptr, &size) != ERROR_SUCCESS) return std::nullopt;
  // The value may grow between the two calls; retry a few times.
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::vector<uint8_t> data(size);
    DWORD got = size;
    const LSTATUS s = RegQueryValueExW(key_, name.c_str(), nullptr, type, data.data(), &got);
    if (s == ERROR_SUCCESS) {
      data.resize(got);
      return data;
    }
    if (s != ERROR_MORE_DATA) return std::nullopt;
    size = got;
  }
  return std::nullopt;
}

std::vector<std::string> split_multi_sz(const std::vector<uint8_t>& data) {
  std::vector<std::string> out;
  std::wstring current;
  for (size_t i = 0; i + 1 < data.size(); i += 2) {
    const wchar_t c = wchar_t(data[i] | data[i + 1] << 8);
    if (c == 0) {
      if (current.empty()) break;
      out.push_back(utf8(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(utf8(current));
  return out;
}

std::optional<std::string> RegKey::string(const std::wstring& name) const {
  DWORD type = 0;
  auto data = raw(name, &type);
  if (!data || (type != REG_SZ && type != REG_EXPAND_SZ)) return std::nullopt;
  auto parts = split_multi_sz(*data);
  return parts.empty() ? std::string() : parts.front();
}

std::optional<std::vector<std::string>> RegKey::multi_string(const std::wstring& name) const {
  DWORD type = 0;
  auto data = raw(name, &type);
  if (!data || (type != REG_MULTI_SZ && type != REG_SZ)) return std::nullopt;
  return split_multi_sz(*data);
}

std::optional<std::vector<uint8_t>> RegKey::binary(const std::wstring& name) const {
  DWORD type = 0;
  return raw(name, &type);
}

std::optional<uint32_t> RegKey::dword(const std::wstring& name) const {
  DWORD type = 0;
  auto data = raw(name, &type);
  if (!data || type != REG_DWORD || data->size() != 4) return std::nullopt;
  return uint32_t((*data)[0]) | uint32_t((*data)[1]) << 8 | uint32_t((*data)[2]) << 16 | uint32_t((*data)[3]) << 24;
}

std::vector<std::wstring> RegKey::subkeys() const {
  std::vector<std::wstring> out;
  if (!key_) return out;
  for (DWORD i = 0;; ++i) {
    wchar_t name[256];
    DWORD len = 256;
    if (RegEnumKeyExW(key_, i, name, &len, nullptr, nullptr, nullptr, nullptr) != ERROR_SUCCESS) break;
    out.emplace_back(name, len);
  }
  return out;
}

std::vector<std::wstring> RegKey::value_names() const {
  std::vector<std::wstring> out;
  if (!key_) return out;
  for (DWORD i = 0;; ++i) {
    wchar_t name[16384];
    DWORD len = 16384;
    if (RegEnumValueW(key_, i, name, &len, nullptr, nullptr, nullptr, nullptr) != ERROR_SUCCESS) break;
    out.emplace_back(name, len);
  }
  return out;
}

}  // namespace telltale::win
