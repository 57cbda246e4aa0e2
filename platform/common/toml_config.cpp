#include "platform/common/toml_config.h"

#include <toml++/toml.h>

#include <sstream>

namespace po = boost::program_options;

namespace telltale {
namespace {

std::string where(const std::filesystem::path& file, const toml::source_region& src) {
  return file.string() + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

void flatten(const std::filesystem::path& file, const toml::table& table, const std::string& prefix,
             const po::options_description& allowed, std::vector<std::string>& out) {
  for (const auto& [key, node] : table) {
    std::string name = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (const auto* sub = node.as_table()) {
      flatten(file, *sub, name, allowed, out);
      continue;
    }
    if (!allowed.find_nothrow(name, false))
      throw ConfigError(where(file, node.source()) + ": unknown key \"" + name + "\"");
    auto emit = [&](const toml::node& value) {
      std::ostringstream v;
      if (auto s = value.value<std::string>(); s && value.is_string()) v << *s;
      else if (value.is_integer()) v << *value.value<int64_t>();
      else if (value.is_floating_point()) v << *value.value<double>();
      else if (value.is_boolean()) v << (*value.value<bool>() ? "true" : "false");
      else throw ConfigError(where(file, value.source()) + ": key \"" + name + "\" has an unsupported value type");
      out.push_back("--" + name + "=" + v.str());
    };
    if (const auto* arr = node.as_array()) {
      for (const auto& item : *arr) emit(item);
    } else {
      emit(node);
    }
  }
}

}  // namespace

std::vector<std::string> toml_to_args(const std::filesystem::path& file, const po::options_description& allowed) {
  toml::table table;
  try {
    table = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(where(file, e.source()) + ": " + std::string(e.description()));
  }
  std::vector<std::string> out;
  flatten(file, table, "", allowed, out);
  return out;
}

po::variables_map parse_flags_and_config(const std::vector<std::string>& args, const po::options_description& desc,
                                         const po::positional_options_description* positional) {
  po::variables_map vm;
  try {
    po::command_line_parser parser(args);
    parser.options(desc);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
  } catch (const po::error& e) {
    throw ConfigError(e.what());
  }
  if (desc.find_nothrow("config", false) && vm.count("config")) {
    auto path = vm["config"].as<std::string>();
    if (!std::filesystem::exists(path)) throw ConfigError(path + ": config file does not exist");
    auto file_args = toml_to_args(path, desc);
    try {
      // store() keeps values already set on the command line: flags win.
      po::store(po::command_line_parser(file_args).options(desc).run(), vm);
    } catch (const po::error& e) {
      throw ConfigError(path + ": " + e.what());
    }
  }
  try {
    po::notify(vm);
  } catch (const po::error& e) {
    throw ConfigError(e.what());
  }
  return vm;
}

}  // namespace telltale
