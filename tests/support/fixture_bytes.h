#pragma once
// Bytes of tests/fixtures/data/<relative> (EDID blobs, HID report
// descriptors) written by tests/fixtures/data/make_data.py.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace telltale::testing {

inline std::vector<uint8_t> fixture_bytes(const std::string& relative) {
  const auto path = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/data" / relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace telltale::testing
