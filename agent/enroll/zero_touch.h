#pragma once
// Zero-touch enrollment as an MDM does it: the MDM drops a token (in a token
// file, or as `token = …` in the managed config) before or after install;
// `telltale-agent run` enrolls by itself on first start, retrying with
// jittered backoff while the collector is unreachable, and removes the token
// from disk once enrolled so a stolen disk image cannot enroll again.
#include <chrono>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>

#include "agent/enroll/enroller.h"

namespace telltale::agent {

struct ZeroTouchOptions {
  EnrollOptions enroll;                            // token filled from one of the sources below
  std::optional<std::filesystem::path> token_file; // deleted after success
  std::optional<std::filesystem::path> config_file;  // its `token` line is removed after success
  std::chrono::milliseconds backoff_base{2000};
  std::chrono::milliseconds backoff_cap{300000};
  std::stop_token stop;  // a service stop ends the waits like a signal does
};

enum class ZeroTouchResult { kEnrolled, kAlreadyEnrolled, kStopped, kNoToken };

// Blocks until enrolled, or the OS asks the process to stop (SIGTERM/SIGINT,
// which the caller must hold back with hold_stop_requests(); a Windows
// console event), or options.stop is requested. Refusals that
// retrying cannot fix (expired, used-up or unknown token; wrong CA pin) are
// retried at the cap interval, because the MDM may deliver a fresh token.
ZeroTouchResult enroll_until_done(ZeroTouchOptions options);

// Removes `token = …` lines from a TOML file, keeping everything else.
void remove_token_from_config(const std::filesystem::path& config);

}  // namespace telltale::agent
