#pragma once
// Win32 error codes as text for error messages and logs ("Access is denied.
// (5)"), one line, UTF-8.
#include <cstdint>
#include <string>

namespace telltale::win {

std::string error_message(uint32_t code);

// UTF-16 (what every W API speaks) <-> UTF-8 (what the snapshot holds).
std::string utf8(const std::wstring& wide);
std::wstring wide(const std::string& utf8);

}  // namespace telltale::win
