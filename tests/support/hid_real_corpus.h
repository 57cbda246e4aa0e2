#pragma once
// The vendored real HID report descriptors (tests/fixtures/hid-real/descriptors.tsv):
// kind, source, bus:vid:pid, name, hex per line; '#' lines are comments.
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace telltale::testing {

struct RealHid {
  std::string kind;    // device (recorded from a real device), kvm (a KVM's gadget), test (hand-written)
  std::string source;  // repository:path[:line]
  std::string ids;     // bus:vid:pid or "-"
  std::string name;
  std::vector<uint8_t> bytes;
};

inline std::vector<RealHid> load_real_hid() {
  const std::string path = std::string(TELLTALE_SOURCE_DIR) + "/tests/fixtures/hid-real/descriptors.tsv";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<RealHid> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      cols.push_back(line.substr(start, tab - start));
    cols.push_back(line.substr(start));
    if (cols.size() != 5 || cols[4].size() % 2 != 0)
      throw std::runtime_error(path + ":" + std::to_string(number) + ": expected kind, source, ids, name, hex");
    RealHid h{cols[0], cols[1], cols[2], cols[3], {}};
    for (size_t i = 0; i + 1 < cols[4].size(); i += 2)
      h.bytes.push_back(static_cast<uint8_t>(std::stoul(cols[4].substr(i, 2), nullptr, 16)));
    out.push_back(std::move(h));
  }
  return out;
}

inline const RealHid& real_hid_named(const std::vector<RealHid>& corpus, const std::string& name) {
  for (const auto& h : corpus)
    if (h.name == name) return h;
  throw std::runtime_error("no descriptor named \"" + name + "\" in hid-real");
}

}  // namespace telltale::testing
