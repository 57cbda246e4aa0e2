#pragma once
// Lists of ids (previous device ids, cluster members) kept in one text
// column as "a,b,c". Both stores write and read them this way, so a
// database moved between backends reads the same. Ids never hold commas.
#include <sstream>
#include <string>
#include <vector>

namespace telltale::server {

inline std::string join_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

inline std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace telltale::server
