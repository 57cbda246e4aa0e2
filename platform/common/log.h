#pragma once
// One event per line, key=value fields, to stderr (journald picks it up under
// systemd). Call sites write "event=name key=value …".
#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace telltale::log {

// level: trace, debug, info, warn, error. Unknown names throw std::invalid_argument.
void init(std::string_view program, std::string_view level = "info");

// Quotes a value when it has spaces, quotes or '=' so lines stay parseable.
std::string q(std::string_view value);

}  // namespace telltale::log
