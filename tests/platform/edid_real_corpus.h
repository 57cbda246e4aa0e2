#pragma once
// The vendored real EDIDs (tests/fixtures/edid-real/*.tsv, from linuxhw/EDID):
// one "corpus path<TAB>hex" line per display, '#' lines are comments.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace telltale::testing {

struct RealEdid {
  std::string source;  // path inside linuxhw/EDID, e.g. "Digital/Toshiba/TSB8888/2D3288012DDC"
  std::vector<uint8_t> bytes;
};

inline std::filesystem::path real_edid_dir() {
  return std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/edid-real";
}

inline std::vector<RealEdid> load_real_edids(const std::string& file) {
  const auto path = real_edid_dir() / file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::vector<RealEdid> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos || (line.size() - tab - 1) % 2 != 0)
      throw std::runtime_error(path.string() + ":" + std::to_string(number) + ": expected path<TAB>hex");
    RealEdid e{line.substr(0, tab), {}};
    for (size_t i = tab + 1; i + 1 < line.size(); i += 2)
      e.bytes.push_back(static_cast<uint8_t>(std::stoul(line.substr(i, 2), nullptr, 16)));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace telltale::testing
