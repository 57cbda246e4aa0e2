#pragma once
// The enrollment token an admin hands to MDM: it carries everything a fresh
// agent needs to reach the collector safely — the address, the SPKI pin of
// the collector CA (so no trust-on-first-use), and a secret the collector
// stores only hashed.
//
//   TT1.<base64url(address)>.<base64url(sha256(CA SPKI DER))>.<secret: 64 hex>
#include <optional>
#include <string>
#include <string_view>

namespace telltale {

struct EnrollmentToken {
  std::string address;  // "host:port" of the collector
  std::string ca_pin;   // base64url of the CA's SPKI SHA-256
  std::string secret;   // 64 lowercase hex characters

  std::string encode() const;
  // The id shown in listings and logs: never the secret itself.
  std::string id() const;
  // What the collector stores: sha256 of the secret.
  std::string secret_hash() const;
};

// Parses a token; on failure returns nullopt and sets *error to the reason.
std::optional<EnrollmentToken> parse_enrollment_token(std::string_view text, std::string* error);

}  // namespace telltale
