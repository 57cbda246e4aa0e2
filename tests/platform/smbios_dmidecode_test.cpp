// Debian's dmidecode as the reference for the SMBIOS decoder: every field the
// decoder returns must equal what `dmidecode --from-dump FILE -s KEYWORD`
// prints for the same real table. Native only (no dmidecode under Wine).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "platform/decode/smbios.h"
#include "support/fixture_bytes.h"
#include "support/smbios_dump.h"
#include "support/temp_dir.h"

namespace {

using telltale::decode::SmbiosInfo;

std::string dmidecode(const std::filesystem::path& dump, const std::string& keyword) {
  const std::string cmd = "dmidecode --from-dump '" + dump.string() + "' -s " + keyword + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof buf, p)) out += buf;
  const int status = pclose(p);
  if (status != 0) throw std::runtime_error(cmd + " exited with " + std::to_string(status));
  while (!out.empty() && out.back() == '\n') out.pop_back();
  // Only the first structure of a type describes the machine (as in the decoder).
  if (const auto nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
  if (out == "Not Specified") out.clear();
  return out;
}

void expect_matches_dmidecode(const std::filesystem::path& dump, const SmbiosInfo& info) {
  ASSERT_EQ(std::system("command -v dmidecode >/dev/null"), 0)
      << "dmidecode is not installed (Debian package dmidecode, in .ci/deps)";
  EXPECT_EQ(info.error, "");
  const std::pair<const char*, const std::string*> fields[] = {
      {"bios-vendor", &info.bios_vendor},
      {"bios-version", &info.bios_version},
      {"system-manufacturer", &info.sys_vendor},
      {"system-product-name", &info.product_name},
      {"system-version", &info.product_version},
      {"system-serial-number", &info.product_serial},
      {"system-uuid", &info.product_uuid},
      {"system-sku-number", &info.product_sku},
      {"system-family", &info.product_family},
      {"baseboard-manufacturer", &info.board_vendor},
      {"baseboard-product-name", &info.board_name},
      {"baseboard-serial-number", &info.board_serial},
      {"chassis-manufacturer", &info.chassis_vendor},
      {"chassis-serial-number", &info.chassis_serial},
  };
  for (const auto& [keyword, value] : fields) EXPECT_EQ(*value, dmidecode(dump, keyword)) << keyword << " of " << dump;
}

TEST(SmbiosAgainstDmidecode, ThinkPadT490_EveryFieldAsDmidecodeReadsIt) {
  const auto path = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/data/smbios/thinkpad-t490.dmidecode.bin";
  const auto dump = telltale::testing::read_dmidecode_dump(telltale::testing::fixture_bytes("smbios/thinkpad-t490.dmidecode.bin"));
  expect_matches_dmidecode(path, telltale::decode::decode_smbios_table(dump.table, dump.major, dump.minor));
}

TEST(SmbiosAgainstDmidecode, SatelliteProL70_EveryFieldAsDmidecodeReadsIt) {
  const auto path = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/data/smbios/satellite-pro-l70.dmidecode.bin";
  const auto dump = telltale::testing::read_dmidecode_dump(telltale::testing::fixture_bytes("smbios/satellite-pro-l70.dmidecode.bin"));
  expect_matches_dmidecode(path, telltale::decode::decode_smbios_table(dump.table, dump.major, dump.minor));
}

TEST(SmbiosAgainstDmidecode, SurfaceLaptop3WindowsBlob_EveryFieldAsDmidecodeReadsIt) {
  const auto rsmb = telltale::testing::fixture_bytes("smbios/surface-laptop-3.rsmb");
  telltale::testing::TempDir dir;
  const auto path = dir.path() / "surface.dump";
  const auto dump = telltale::testing::dmidecode_dump_from_rsmb(rsmb);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(dump.data()), long(dump.size()));
  expect_matches_dmidecode(path, telltale::decode::decode_smbios_rsmb(rsmb));
}

}  // namespace
