#pragma once
// Presence checks on the collector side: starting one (rate limits, expiry),
// accepting the agent's signed answer, and the plain-language summary. The
// wire (push, receive) is the telemetry service's; scoring is detect's.
#include <string>
#include <variant>

#include "server/store/store.h"
#include "telltale/v1/presence.pb.h"

namespace telltale::server {

struct PresenceLimits {
  int64_t per_day = 4;                      // checks per device in any 24 hours
  int64_t min_interval_ms = 10 * 60 * 1000; // between two checks of one device
  int64_t queue_ttl_ms = 24 * 3600 * 1000;  // an offline device gets it within this
  uint32_t answer_seconds = 120;
  std::string company = "your employer";    // named in the prompt
};

struct PresenceStart {
  std::string device_id;
  std::string action;        // lid, key, reaction
  std::string requested_by;
  std::string reason;
};

// Queues a check; on refusal (unknown action, rate limit, a check already
// pending) returns why.
std::variant<PresenceCheckRecord, std::string> start_presence_check(Store& store, const PresenceStart& start,
                                                                     const PresenceLimits& limits, int64_t now_ms);

// Checks the answer against the certificate the stream authenticated with,
// the device and the pending check, then stores it. "" when stored, else why not.
std::string accept_presence_result(Store& store, const std::string& device_id, const std::string& stream_certificate_pem,
                                   const telltale::v1::SignedPresenceResult& signed_result, int64_t now_ms);

// The request the collector pushes for a stored check.
telltale::v1::PresenceRequest presence_request_for(const PresenceCheckRecord& check, const PresenceLimits& limits);

// Re-checks a stored result's signature against a certificate (evidence export, `presence show`).
bool presence_signature_valid(const std::string& signed_result_bytes, const std::string& certificate_pem);

}  // namespace telltale::server
