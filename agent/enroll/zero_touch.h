#pragma once
// Zero-touch enrollment as an MDM does it: the MDM drops a token (in a token
// file, or as `token = …` in the managed config) before or after install;
// `telltale-agent run` enrolls by itself on first start, retrying with
// jittered backoff while the collector is unreachable, and removes the token
// from disk once enrolled so a stolen disk image cannot enroll again.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "agent/enroll/enroller.h"

namespace telltale::agent {

struct ZeroTouchOptions {
  EnrollOptions enroll;                            // token filled from one of the sources below
  std::optional<std::filesystem::path> token_file; // deleted after success
  std::optional<std::filesystem::path> config_file;  // its `token` line is removed after success
  std::chrono::milliseconds backoff_base{2000};
  std::chrono::milliseconds backoff_cap{300000};
};

enum class ZeroTouchResult { kEnrolled, kAlreadyEnrolled, kStopped, kNoToken };

// Blocks until enrolled or SIGTERM/SIGINT arrives (those signals must be
// blocked by the caller; they are consumed with sigtimedwait). Refusals that
// retrying cannot fix (expired, used-up or unknown token; wrong CA pin) are
// retried at the cap interval, because the MDM may deliver a fresh token.
ZeroTouchResult enroll_until_done(ZeroTouchOptions options);

// Removes `token = …` lines from a TOML file, keeping everything else.
void remove_token_from_config(const std::filesystem::path& config);

}  // namespace telltale::agent
