// fuzz-links: telltale_common
// Agent/collector config files: any text yields arguments or a ConfigError.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>

#include "platform/common/toml_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace po = boost::program_options;
  static const std::string path = "/tmp/telltale-toml-fuzz-" + std::to_string(getpid()) + ".toml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  po::options_description desc;
  desc.add_options()("listen", po::value<std::string>())("collect-interval", po::value<int>())(
      "anchor", po::value<std::vector<std::string>>())("detect.threshold", po::value<double>());
  try {
    auto args = telltale::toml_to_args(path, desc);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).run(), vm);
  } catch (const std::exception&) {
  }
  return 0;
}
