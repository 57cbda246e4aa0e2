// Our EDID decoder against edid-decode (the reference decoder, Debian package
// edid-decode) on a few hundred real EDIDs from linuxhw/EDID: monitors, TVs,
// laptop panels and every capture device / KVM found there. Field for field:
// manufacturer id, product code, serial number, week/year, each monitor name
// and serial string, the preferred mode, the number of blocks and whether each
// block's checksum holds. A disagreement is either fixed in the decoder or
// listed in tests/fixtures/edid-real/known_disagreements.tsv with its reason.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "platform/decode/edid.h"
#include "platform/edid_real_corpus.h"

namespace {

using telltale::testing::load_real_edids;
using telltale::testing::RealEdid;

// The fields edid-decode prints for the base block, normalised to our form.
struct Reference {
  std::string manufacturer;
  uint32_t model = 0;
  uint32_t serial = 0;
  uint32_t week = 0;
  uint32_t year = 0;
  std::vector<std::string> names;
  std::vector<std::string> serial_strings;
  std::string preferred;  // "1920x1080 148500 kHz"
  unsigned blocks = 0;
  bool checksums_ok = true;
};

// edid-decode prints descriptor strings raw (up to LF/NUL/0xFF); we trim the
// trailing pad bytes and escape non-ASCII as \xNN.
std::string normalise_text(std::string raw) {
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\r' || static_cast<uint8_t>(raw.back()) == 0xA0))
    raw.pop_back();
  std::string out;
  for (unsigned char c : raw) {
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string run_edid_decode(const std::filesystem::path& file) {
  const std::string cmd = "edid-decode '" + file.string() + "' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run edid-decode");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);  // edid-decode exits 1 when the EDID fails conformity; the output is what counts
  return out;
}

Reference parse_reference(const std::string& text) {
  Reference r;
  std::istringstream in(text);
  std::string line;
  int block = -1;
  bool past_hex = false;
  static const std::regex kBlock(R"(^Block (\d+), )");
  static const std::regex kDtd(R"(^\s+DTD 1:\s+(\d+)x(\d+)(i?)\s.*?([\d.]+) MHz)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (line.rfind("----------------", 0) == 0) past_hex = true;
    if (!past_hex) continue;
    if (std::regex_search(line, m, kBlock)) {
      block = std::stoi(m[1]);
      ++r.blocks;
      continue;
    }
    if (line.rfind("Checksum: ", 0) == 0 && line.find("should be") != std::string::npos) r.checksums_ok = false;
    if (block != 0) continue;
    // Base-block fields sit at four spaces of indent; descriptors deeper.
    auto value = [&](const char* prefix) -> std::optional<std::string> {
      if (line.rfind(prefix, 0) != 0) return std::nullopt;
      return line.substr(std::strlen(prefix));
    };
    if (auto v = value("    Manufacturer: ")) r.manufacturer = v->substr(0, 3);
    else if (auto v = value("    Model: ")) r.model = std::stoul(*v);
    else if (auto v = value("    Serial Number: ")) r.serial = std::stoul(*v);
    else if (auto v = value("    Made in: week ")) {
      r.week = std::stoul(*v);
      r.year = std::stoul(v->substr(v->find(" of ") + 4));
    } else if (auto v = value("    Made in: ")) r.year = std::stoul(*v);
    else if (auto v = value("    Model year: ")) {
      r.week = 0xFF;
      r.year = std::stoul(*v);
    } else if (auto v = value("    Display Product Name: '")) r.names.push_back(normalise_text(v->substr(0, v->rfind('\''))));
    else if (auto v = value("    Display Product Serial Number: '"))
      r.serial_strings.push_back(normalise_text(v->substr(0, v->rfind('\''))));
    else if (r.preferred.empty() && std::regex_search(line, m, kDtd)) {
      const double mhz = std::stod(m[4]);
      r.preferred = std::string(m[1]) + "x" + std::string(m[2]) + " " + std::to_string(std::llround(mhz * 1000)) + " kHz";
    }
  }
  return r;
}

// Every way our decoding differs from the reference, as "field: ours vs theirs".
std::vector<std::string> compare(const telltale::v1::Edid& e, size_t bytes, const Reference& r) {
  std::vector<std::string> d;
  auto check = [&](const char* field, const std::string& ours, const std::string& theirs) {
    if (ours != theirs) d.push_back(std::string(field) + ": ours \"" + ours + "\" edid-decode \"" + theirs + "\"");
  };
  auto join = [](const auto& list) {
    std::string s;
    for (const auto& x : list) s += (s.empty() ? "" : "|") + x;
    return s;
  };
  check("manufacturer", e.pnp_id(), r.manufacturer);
  check("product code", std::to_string(e.product_code()), std::to_string(r.model));
  check("serial number", std::to_string(e.serial_number()), std::to_string(r.serial));
  // Week 0 ("Made in: 2019") and 0xFF ("Model year: 2019") parse back to the raw byte.
  check("week", std::to_string(e.week()), std::to_string(r.week));
  check("year", std::to_string(e.year()), std::to_string(r.year));
  check("monitor names", join(e.monitor_names()), join(r.names));
  check("serial strings", join(e.serial_strings()), join(r.serial_strings));
  const auto& pm = e.preferred_mode();
  check("preferred mode",
        e.has_preferred_mode() ? std::to_string(pm.width()) + "x" + std::to_string(pm.height()) + " " +
                                     std::to_string(pm.pixel_clock_khz()) + " kHz"
                               : "",
        r.preferred);
  check("blocks", std::to_string(bytes / 128), std::to_string(r.blocks));
  check("checksums", e.checksum_ok() ? "ok" : "bad", r.checksums_ok ? "ok" : "bad");
  return d;
}

std::map<std::string, std::string> known_disagreements() {
  std::map<std::string, std::string> known;
  std::ifstream in(telltale::testing::real_edid_dir() / "known_disagreements.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    known[line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
  }
  return known;
}

class EdidAgainstEdidDecode : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v edid-decode >/dev/null 2>&1") != 0)
      FAIL() << "edid-decode is not installed (Debian package edid-decode, listed in .ci/deps)";
    char tmpl[] = "/tmp/telltale-edid-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Compares every EDID of one vendored set; returns the unexplained disagreements.
  std::vector<std::string> disagreements(const std::string& set, size_t& compared, size_t& explained) {
    const auto known = known_disagreements();
    std::vector<std::string> unexplained;
    for (const RealEdid& edid : load_real_edids(set)) {
      const auto file = dir_ / "edid.bin";
      std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(edid.bytes.data()), edid.bytes.size());
      const auto ours = telltale::decode::decode_edid(edid.bytes);
      const auto diffs = compare(ours, edid.bytes.size(), parse_reference(run_edid_decode(file)));
      ++compared;
      if (diffs.empty()) continue;
      if (known.count(edid.source)) {
        ++explained;
        continue;
      }
      for (const auto& d : diffs) unexplained.push_back(edid.source + ": " + d);
    }
    return unexplained;
  }

  std::filesystem::path dir_;
};

TEST_F(EdidAgainstEdidDecode, RealMonitorsTvsAndPanels_AgreeFieldForField) {
  size_t compared = 0, explained = 0;
  const auto diffs = disagreements("monitors.tsv", compared, explained);
  std::printf("edid-decode differential: %zu real monitors/TVs/panels, %zu listed disagreements, %zu unexplained\n",
              compared, explained, diffs.size());
  EXPECT_GE(compared, 300u);
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

TEST_F(EdidAgainstEdidDecode, RealCaptureDevicesAndKvms_AgreeFieldForField) {
  size_t compared = 0, explained = 0;
  const auto diffs = disagreements("capture_devices.tsv", compared, explained);
  std::printf("edid-decode differential: %zu real capture devices/KVMs, %zu listed disagreements, %zu unexplained\n",
              compared, explained, diffs.size());
  EXPECT_GE(compared, 70u);
  for (const auto& d : diffs) ADD_FAILURE() << d;
}

TEST(RealEdids, Hdmi21TvsWithEeodb_AreValid) {
  // HDMI 2.1 TVs keep byte 126 at 1 and announce their real block count in the
  // HDMI Forum EEODB; the corpus holds the two blocks older readers fetch, or
  // all of them. Both are valid.
  size_t with_eeodb = 0, invalid = 0;
  for (const auto& edid : load_real_edids("monitors.tsv")) {
    const auto e = telltale::decode::decode_edid(edid.bytes);
    if (!e.valid()) {
      ++invalid;
      std::printf("  invalid real EDID %s: %s\n", edid.source.c_str(), e.error().c_str());
    }
    if (e.eeodb_extension_count() == 0) continue;
    ++with_eeodb;
    EXPECT_TRUE(e.valid()) << edid.source << ": " << e.error();
    EXPECT_EQ(e.extension_count(), e.eeodb_extension_count()) << edid.source;
  }
  std::printf("real monitors: %zu with an HDMI Forum EEODB, %zu invalid\n", with_eeodb, invalid);
  EXPECT_GE(with_eeodb, 2u);
}

}  // namespace
