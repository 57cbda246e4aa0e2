#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace telltale {

std::string to_hex(std::span<const uint8_t> bytes);
std::string sha256_hex(std::span<const uint8_t> bytes);
std::string sha256_hex(std::string_view bytes);
// Cryptographically random bytes as lowercase hex (2 × n characters).
std::string random_hex(size_t n_bytes);

}  // namespace telltale
