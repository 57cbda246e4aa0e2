#include "platform/common/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <stdexcept>

namespace telltale::log {

void init(std::string_view program, std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  // from_str answers "off" for names it does not know; only "off" itself may mean off.
  if (parsed == spdlog::level::off && level != "off")
    throw std::invalid_argument("unknown log level \"" + std::string(level) +
                                "\" (expected trace, debug, info, warn, error, off)");
  spdlog::drop(std::string(program));  // init may run again (tests, config reload)
  auto logger = spdlog::stderr_logger_mt(std::string(program));
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l prog=" + std::string(program) + " %v",
                      spdlog::pattern_time_type::utc);
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::string q(std::string_view value) {
  bool plain = !value.empty();
  for (char c : value)
    if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t' || static_cast<unsigned char>(c) < 0x20) plain = false;
  if (plain) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) out += '?';
    else out += c;
  }
  return out + "\"";
}

}  // namespace telltale::log
