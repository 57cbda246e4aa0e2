#include "platform/decode/macos/launchctl.h"

#include <cctype>
#include <sstream>

namespace telltale::decode::macos {

LaunchdService parse_launchctl_print(std::string_view text, int exit_code) {
  LaunchdService s;
  if (exit_code != 0) return s;
  s.loaded = text.find(" = {") != std::string_view::npos;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    size_t i = 0;
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    std::string_view l = std::string_view(line).substr(i);
    if (l.starts_with("state = ")) s.running = l.substr(8).starts_with("running");
    else if (l.starts_with("pid = ")) {
      try {
        s.pid = std::stol(std::string(l.substr(6)));
      } catch (const std::exception&) {
      }
    }
  }
  return s;
}

}  // namespace telltale::decode::macos
