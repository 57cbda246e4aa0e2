#pragma once
// Parsers for the value formats the kernel writes into sysfs attributes
// (drivers/usb/core/sysfs.c). Pure: strings in, values or nullopt out.
#include <cstdint>
#include <optional>
#include <string_view>

namespace telltale::decode {

// "1d6b", "0x1d6b", " 9" (bare hex, as %04x / %02x / %2x write it).
std::optional<uint32_t> parse_hex(std::string_view text);
// Decimal unsigned, surrounding spaces allowed ("%2d").
std::optional<uint64_t> parse_decimal(std::string_view text);
// bMaxPower "500mA" → 500.
std::optional<uint32_t> parse_milliamps(std::string_view text);

// Removes leading and trailing ASCII whitespace and NULs.
std::string_view trim(std::string_view text);

}  // namespace telltale::decode
