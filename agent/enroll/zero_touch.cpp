#include "agent/enroll/zero_touch.h"

#include <fstream>
#include <regex>
#include <sstream>

#include "agent/transport/backoff.h"
#include "platform/common/file.h"
#include "platform/common/log.h"
#include "platform/common/stop_request.h"

namespace telltale::agent {
namespace {

std::optional<std::string> read_token_file(const std::filesystem::path& path) {
  auto r = read_file(path, 4096);
  if (!r.data) return std::nullopt;
  return *r.data;
}

}  // namespace

void remove_token_from_config(const std::filesystem::path& config) {
  auto r = read_file(config, 1024 * 1024);
  if (!r.data) return;
  std::istringstream in(*r.data);
  std::ostringstream out;
  std::string line;
  static const std::regex token_line(R"(^\s*token\s*=)");
  bool removed = false;
  while (std::getline(in, line)) {
    if (std::regex_search(line, token_line)) {
      removed = true;
      continue;
    }
    out << line << "\n";
  }
  if (removed) write_file_atomic(config, out.str(), 0600);
}

ZeroTouchResult enroll_until_done(ZeroTouchOptions options) {
  if (is_enrolled(options.enroll.paths)) return ZeroTouchResult::kAlreadyEnrolled;
  Backoff backoff(options.backoff_base, options.backoff_cap);
  for (;;) {
    std::string token = options.enroll.token;
    if (token.empty() && options.token_file) token = read_token_file(*options.token_file).value_or("");
    if (token.empty()) {
      if (!options.token_file) return ZeroTouchResult::kNoToken;
      // The MDM may drop the token after the package: wait for it.
      spdlog::info("event=waiting_for_token path={}", log::q(options.token_file->string()));
      if (sleep_unless_stopped(std::min(backoff.next(), options.backoff_cap), options.stop)) return ZeroTouchResult::kStopped;
      continue;
    }
    try {
      EnrollOptions attempt = options.enroll;
      attempt.token = token;
      auto outcome = enroll(attempt);
      if (options.token_file) {
        std::error_code ec;
        std::filesystem::remove(*options.token_file, ec);
        if (ec) spdlog::warn("event=token_not_removed path={} error={}", log::q(options.token_file->string()), ec.message());
      }
      if (options.config_file) remove_token_from_config(*options.config_file);
      spdlog::info("event=zero_touch_enrolled device={}", outcome.identity.device_id);
      return ZeroTouchResult::kEnrolled;
    } catch (const std::exception& e) {
      auto delay = backoff.next();
      spdlog::warn("event=enroll_failed error={} retry_in_ms={}", log::q(e.what()), delay.count());
      if (sleep_unless_stopped(delay, options.stop)) return ZeroTouchResult::kStopped;
    }
  }
}

}  // namespace telltale::agent
