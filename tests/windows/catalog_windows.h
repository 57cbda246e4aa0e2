#pragma once
// The detection catalog's Windows names (server/detect/catalog/catalog.toml,
// read with toml++: the server's catalog library is not built for Windows).
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

namespace telltale::testing {

struct CatalogWindowsTool {
  std::string category;
  std::vector<std::string> executables, services;
};

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

inline bool contains_nocase(const std::vector<std::string>& list, const std::string& want) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return lower(s) == lower(want); });
}

inline std::map<std::string, CatalogWindowsTool> catalog_windows_tools() {
  const auto root = toml::parse_file(TELLTALE_SOURCE_DIR "/server/detect/catalog/catalog.toml");
  std::map<std::string, CatalogWindowsTool> tools;
  const auto* list = root["remote_tool"].as_array();
  if (!list) return tools;
  for (const auto& node : *list) {
    const auto* t = node.as_table();
    if (!t) continue;
    CatalogWindowsTool tool;
    tool.category = (*t)["category"].value_or(std::string());
    auto strings = [&](const char* key, std::vector<std::string>& out) {
      if (const auto* a = (*t)[key].as_array())
        for (const auto& v : *a)
          if (const auto* s = v.as_string()) out.push_back(s->get());
    };
    strings("windows", tool.executables);
    strings("windows_services", tool.services);
    tools[(*t)["id"].value_or(std::string())] = std::move(tool);
  }
  return tools;
}

}  // namespace telltale::testing
