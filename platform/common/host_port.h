#pragma once
#include <string>
#include <utility>

namespace telltale {

// "host:port" or "[v6]:port" → {host, port}; throws std::runtime_error
// quoting the address when it has no port.
std::pair<std::string, std::string> split_host_port(const std::string& address);

}  // namespace telltale
