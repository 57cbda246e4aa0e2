#pragma once
// Text into HTML element content or a quoted attribute: the fleet reports and
// the console's printable exports both put device-supplied strings (hostnames,
// serials) into pages, so they share one escaper.
#include <string>
#include <string_view>

namespace telltale::server {

std::string html_escape(std::string_view text);

}  // namespace telltale::server
