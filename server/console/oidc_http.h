#pragma once
// The console's outbound HTTP for single sign-on (discovery, JWKS, token
// exchange) through libcurl: bounded in time and size, no redirects followed,
// and plain http only to a loopback host (a provider on the same machine);
// everything else must be https with a verified certificate.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace telltale::server::console {

struct OidcHttpOptions {
  std::filesystem::path ca_file;  // extra trust anchors (PEM); empty: the system's
  long timeout_ms = 10000;
  size_t max_body_bytes = 1 << 20;
};

struct OidcHttpResult {
  long status = 0;     // 0 when no answer arrived
  std::string body;
  std::string error;   // why there is no answer: "connection refused to https://…", "answer over 1048576 bytes"
};

// "" when the URL may be fetched, else why not (plain words).
std::string oidc_url_problem(const std::string& url);
OidcHttpResult oidc_get(const std::string& url, const OidcHttpOptions& options);
// application/x-www-form-urlencoded POST with HTTP Basic client authentication
// (both parts form-encoded first, RFC 6749 section 2.3.1).
OidcHttpResult oidc_post_form(const std::string& url, const std::vector<std::pair<std::string, std::string>>& fields,
                              const std::string& basic_user, const std::string& basic_password,
                              const OidcHttpOptions& options);
std::string form_encode(const std::string& s);

}  // namespace telltale::server::console
