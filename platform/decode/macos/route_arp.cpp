#include "platform/decode/macos/route_arp.h"

#include <cctype>
#include <sstream>
#include <vector>

namespace telltale::decode::macos {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string normalize_mac(std::string_view mac) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : mac) {
    if (c == ':') {
      parts.push_back(cur);
      cur.clear();
    } else if (std::isxdigit(static_cast<unsigned char>(c))) {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      return "";
    }
  }
  parts.push_back(cur);
  if (parts.size() != 6) return "";
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i].size() > 2) return "";
    out += (i ? ":" : "") + std::string(parts[i].size() == 1 ? "0" : "") + parts[i];
  }
  return out;
}

}  // namespace

std::optional<DefaultRoute> parse_route_get(std::string_view text) {
  DefaultRoute r;
  bool any = false;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto key = trim(std::string_view(line).substr(0, colon));
    auto value = trim(std::string_view(line).substr(colon + 1));
    if (key == "gateway") r.gateway = value, any = true;
    else if (key == "interface") r.interface = value, any = true;
  }
  if (!any) return std::nullopt;
  return r;
}

std::string arp_mac_for(std::string_view arp_text, std::string_view ip) {
  // "? (192.168.1.1) at a4:2b:b0:c1:2:3 on en0 ifscope [ethernet]"
  const std::string needle = "(" + std::string(ip) + ") at ";
  std::istringstream in{std::string(arp_text)};
  for (std::string line; std::getline(in, line);) {
    auto pos = line.find(needle);
    if (pos == std::string::npos) continue;
    auto rest = std::string_view(line).substr(pos + needle.size());
    auto mac = rest.substr(0, rest.find(' '));
    if (mac == "(incomplete)") return "";
    return normalize_mac(mac);
  }
  return "";
}

}  // namespace telltale::decode::macos
