#pragma once
// OpenID Connect sign-in for the console (authorization code flow with PKCE,
// state and nonce), besides local users. The provider is found by discovery
// from its issuer; its keys (JWKS) are fetched from there and refetched once
// when a token names a key id they lack (the provider rotated its keys).
// Roles come from one configurable claim of the ID token. See docs/CONSOLE.md
// "Single sign-on".
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/console/console_db.h"

namespace telltale::server::console {

struct SsoConfig {
  std::string issuer;         // e.g. https://login.example.com/realms/corp; empty: single sign-on is off
  std::string client_id;
  std::string client_secret;
  std::string redirect_url;   // https://console.example.com/api/v1/sso/callback, as registered at the provider
  std::string role_claim = "groups";  // a string or an array of strings in the ID token
  // Claim value → role; the highest matching role wins. Empty: the values
  // "viewer", "investigator" and "admin" themselves.
  std::map<std::string, Role> role_values;
  std::string scopes = "openid email profile";
  std::string label = "single sign-on";  // the login page's button says "Sign in with <label>"
  std::filesystem::path ca_file;          // extra trust anchors for the provider's https
  int64_t clock_skew_ms = 60000;
  bool enabled() const { return !issuer.empty(); }
};

// [sso] of a TOML file: issuer, client_id, client_secret or client_secret_file,
// redirect_url, role_claim, scopes, label, ca_file, clock_skew_seconds and
// [sso.roles] admin = ["…"], investigator = [...], viewer = [...].
// Throws std::runtime_error naming the file and the key that is wrong.
SsoConfig load_sso_config(const std::filesystem::path& file);

// A refusal with words for the person signing in and facts for the audit log.
struct SsoError : std::runtime_error {
  SsoError(std::string reason_, const std::string& problem, std::string detail_)
      : std::runtime_error(problem), reason(std::move(reason_)), detail(std::move(detail_)) {}
  std::string reason;  // state, provider, token, signature, audience, expired, nonce, role, …
  std::string detail;
};

struct SsoIdentity {
  std::string issuer, subject, username, role_claim_values;
  Role role = Role::kViewer;
};

class SsoLogin {
 public:
  explicit SsoLogin(SsoConfig config);
  const SsoConfig& config() const { return config_; }

  struct Start {
    std::string authorize_url;  // where the browser goes next
    std::string state;          // also set as the tt_sso cookie: binds the callback to this browser
  };
  Start start(int64_t now_ms);
  // The browser came back with ?code&state; cookie_state is its tt_sso cookie.
  SsoIdentity finish(const std::string& code, const std::string& state, const std::string& cookie_state,
                     int64_t now_ms);

 private:
  struct Pending {
    std::string nonce, verifier;
    int64_t created_ms = 0;
  };
  struct Endpoints {
    std::string authorization, token, jwks;
    int64_t fetched_ms = 0;
  };
  Endpoints endpoints(int64_t now_ms);
  std::string jwks(int64_t now_ms, bool refresh);

  SsoConfig config_;
  std::mutex mu_;
  std::map<std::string, Pending> pending_;  // by state
  Endpoints endpoints_;
  std::string jwks_;
  int64_t jwks_fetched_ms_ = 0;
};

}  // namespace telltale::server::console
