#pragma once
// Text answers of macOS's `route -n get default` and `arp -an`.
#include <optional>
#include <string>
#include <string_view>

namespace telltale::decode::macos {

struct DefaultRoute {
  std::string gateway;    // "192.168.1.1"; empty when the route has no gateway (point-to-point)
  std::string interface;  // "en0"
};

// nullopt when the text has neither a gateway nor an interface line.
std::optional<DefaultRoute> parse_route_get(std::string_view text);

// The MAC `arp -an` lists for ip, lowercase with two digits per byte
// ("0:1c:42:a:b:c" → "00:1c:42:0a:0b:0c"); "" when absent or incomplete.
std::string arp_mac_for(std::string_view arp_text, std::string_view ip);

}  // namespace telltale::decode::macos
