#pragma once
// Config files mirror the command-line flags: a key `listen = "…"` is the
// flag --listen. Flags given on the command line win over the file.
#include <boost/program_options.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace telltale {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads a TOML file and turns every key (tables become dotted prefixes:
// [detect] threshold → detect.threshold) into "--key=value" arguments.
// Unknown keys, arrays of tables and parse errors throw ConfigError naming
// file:line:column.
std::vector<std::string> toml_to_args(const std::filesystem::path& file,
                                      const boost::program_options::options_description& allowed);

// Parses argv, then the config file named by --config (if any, and the
// option exists in `desc`), with the command line taking precedence.
// Throws ConfigError with a message fit for the user.
boost::program_options::variables_map parse_flags_and_config(
    const std::vector<std::string>& args, const boost::program_options::options_description& desc,
    const boost::program_options::positional_options_description* positional = nullptr);

}  // namespace telltale
