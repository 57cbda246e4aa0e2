#pragma once
// Checks an OpenID Connect ID token (a compact JWS) the way OpenID Connect
// Core 3.1.3.7 asks: signature (RS256 or ES256 only) by a key of the
// provider's JWKS, issuer, audience (and azp when there are several), expiry
// and issue time within a small clock skew, and the nonce of this sign-in.
// Signature and key handling are cjose's (Debian libcjose, the JOSE library
// mod_auth_openidc uses); the claims are plain JSON read here.
#include <boost/json.hpp>
#include <cstdint>
#include <string>

namespace telltale::server::console {

struct IdTokenExpect {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  int64_t now_unix_ms = 0;
  int64_t skew_ms = 60000;
};

struct IdTokenResult {
  bool ok = false;
  // What was wrong, in words a person signing in can act on ("The sign-in
  // token was issued for another application …"), and the exact facts for
  // the log and audit ("aud=[some-other-app] expected telltale-console").
  std::string problem;
  std::string detail;
  // Why the token is refused, for tests and metrics: signature, key,
  // algorithm, format, issuer, audience, expired, not_yet_valid, nonce.
  std::string reason;
  std::string kid;  // the key id the header names (a miss may mean the provider rotated keys)
  boost::json::object claims;
};

// jwks: the provider's JSON Web Key Set document ({"keys": [...]}).
IdTokenResult verify_id_token(const std::string& compact, const std::string& jwks, const IdTokenExpect& expect);

}  // namespace telltale::server::console
