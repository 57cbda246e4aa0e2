#include "platform/common/enrollment_token.h"

#include "platform/common/base64url.h"
#include "platform/common/hash.h"

namespace telltale {

std::string EnrollmentToken::encode() const {
  return "TT1." + base64url_encode(address) + "." + ca_pin + "." + secret;
}

std::string EnrollmentToken::secret_hash() const { return sha256_hex(secret); }

std::string EnrollmentToken::id() const { return secret_hash().substr(0, 12); }

std::optional<EnrollmentToken> parse_enrollment_token(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<EnrollmentToken> {
    if (error) *error = "enrollment token: " + std::move(why);
    return std::nullopt;
  };
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  if (!text.starts_with("TT1.")) return fail("does not start with \"TT1.\" (is this a Telltale token?)");
  text.remove_prefix(4);
  auto dot1 = text.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : text.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || text.find('.', dot2 + 1) != std::string_view::npos)
    return fail("expected 4 dot-separated parts");
  EnrollmentToken t;
  auto address = base64url_decode(text.substr(0, dot1));
  if (!address || address->empty() || address->find(':') == std::string::npos)
    return fail("collector address is not a base64url \"host:port\"");
  t.address = *address;
  t.ca_pin = std::string(text.substr(dot1 + 1, dot2 - dot1 - 1));
  auto pin_bytes = base64url_decode(t.ca_pin);
  if (!pin_bytes || pin_bytes->size() != 32) return fail("CA pin is not a base64url SHA-256");
  t.secret = std::string(text.substr(dot2 + 1));
  if (t.secret.size() != 64 || t.secret.find_first_not_of("0123456789abcdef") != std::string::npos)
    return fail("secret is not 64 lowercase hex digits");
  return t;
}

}  // namespace telltale
