#include "platform/common/toml_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace po = boost::program_options;

namespace telltale {
namespace {

po::options_description options() {
  po::options_description d;
  d.add_options()("config", po::value<std::string>())("listen", po::value<std::string>()->default_value("a:1"))(
      "interval", po::value<int>()->default_value(5))("detect.threshold", po::value<double>()->default_value(1.0));
  return d;
}

std::string write(const testing::TempDir& dir, const std::string& text) {
  auto p = dir.path() / "c.toml";
  std::ofstream(p) << text;
  return p.string();
}

TEST(TomlConfig, FileKeysMirrorFlagsAndFlagsWin) {
  testing::TempDir dir;
  auto file = write(dir, "listen = \"0.0.0.0:9\"\ninterval = 42\n[detect]\nthreshold = 2.5\n");
  auto vm = parse_flags_and_config({"--config", file, "--interval", "7"}, options());
  EXPECT_EQ(vm["listen"].as<std::string>(), "0.0.0.0:9");
  EXPECT_EQ(vm["interval"].as<int>(), 7);
  EXPECT_DOUBLE_EQ(vm["detect.threshold"].as<double>(), 2.5);
}

TEST(TomlConfig, UnknownKeyNamesFileAndLine) {
  testing::TempDir dir;
  auto file = write(dir, "listen = \"x:1\"\n\nlisen = \"typo:1\"\n");
  try {
    parse_flags_and_config({"--config", file}, options());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("c.toml:3:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unknown key \"lisen\""), std::string::npos) << e.what();
  }
}

TEST(TomlConfig, SyntaxErrorsAndWrongTypesAndMissingFilesAreClear) {
  testing::TempDir dir;
  EXPECT_THROW(parse_flags_and_config({"--config", write(dir, "listen = \n")}, options()), ConfigError);
  try {
    parse_flags_and_config({"--config", write(dir, "interval = \"soon\"\n")}, options());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("interval"), std::string::npos) << e.what();
  }
  try {
    parse_flags_and_config({"--config", "/nonexistent.toml"}, options());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos);
  }
}

}  // namespace
}  // namespace telltale
