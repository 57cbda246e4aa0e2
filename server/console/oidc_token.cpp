#include "server/console/oidc_token.h"

#include <cjose/cjose.h>

#include <ctime>
#include <memory>

namespace telltale::server::console {
namespace json = boost::json;
namespace {

IdTokenResult refuse(std::string reason, std::string problem, std::string detail) {
  IdTokenResult r;
  r.reason = std::move(reason);
  r.problem = std::move(problem);
  r.detail = std::move(detail);
  return r;
}

std::string utc_text(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string string_of(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

// NumericDate: an integer or a number of seconds; -1 when missing or not a number.
int64_t seconds_of(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return -1;
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64()) return static_cast<int64_t>(it->value().as_uint64());
  if (it->value().is_double()) return static_cast<int64_t>(it->value().as_double());
  return -1;
}

using Jws = std::unique_ptr<cjose_jws_t, decltype(&cjose_jws_release)>;
using Jwk = std::unique_ptr<cjose_jwk_t, decltype(&cjose_jwk_release)>;

}  // namespace

IdTokenResult verify_id_token(const std::string& compact, const std::string& jwks, const IdTokenExpect& expect) {
  const std::string garbled = "The identity provider's answer could not be read as a sign-in token. Sign in again; if it repeats, "
                              "tell your administrator.";
  if (compact.size() > 64 * 1024) return refuse("format", garbled, "id_token over 64 KiB");
  cjose_err err{};
  Jws jws(cjose_jws_import(compact.c_str(), compact.size(), &err), cjose_jws_release);
  if (!jws) return refuse("format", garbled, std::string("id_token is not a compact JWS: ") + (err.message ? err.message : "?"));
  cjose_header_t* header = cjose_jws_get_protected(jws.get());
  const char* alg_c = header ? cjose_header_get(header, CJOSE_HDR_ALG, &err) : nullptr;
  const char* kid_c = header ? cjose_header_get(header, CJOSE_HDR_KID, &err) : nullptr;
  const std::string alg = alg_c ? alg_c : "", kid = kid_c ? kid_c : "";
  // Only the asymmetric algorithms a provider signs with: "none" and the HMAC
  // family would let anyone who knows the client secret (or nobody) sign.
  cjose_jwk_kty_t want_kty;
  if (alg == "RS256") want_kty = CJOSE_JWK_KTY_RSA;
  else if (alg == "ES256") want_kty = CJOSE_JWK_KTY_EC;
  else
    return refuse("algorithm",
                  "The sign-in token is signed with " + (alg.empty() ? std::string("no algorithm") : alg) +
                      ", which this console does not accept (RS256 or ES256). Ask your administrator to check the "
                      "identity provider's settings.",
                  "alg=" + alg);

  json::value set;
  try {
    set = json::parse(jwks);
  } catch (const std::exception& e) {
    return refuse("key", "The identity provider's signing keys could not be read. Tell your administrator.",
                  std::string("JWKS is not JSON: ") + e.what());
  }
  const json::array* keys = set.is_object() && set.as_object().contains("keys") && set.at("keys").is_array()
                                ? &set.at("keys").as_array() : nullptr;
  if (!keys) return refuse("key", "The identity provider's signing keys could not be read. Tell your administrator.",
                           "JWKS has no keys array");
  bool key_found = false, verified = false;
  for (const auto& k : *keys) {
    if (!k.is_object()) continue;
    const auto& ko = k.as_object();
    if (!kid.empty() && string_of(ko, "kid") != kid) continue;
    const std::string use = string_of(ko, "use");
    if (!use.empty() && use != "sig") continue;
    const std::string key_text = json::serialize(ko);
    Jwk jwk(cjose_jwk_import(key_text.c_str(), key_text.size(), &err), cjose_jwk_release);
    if (!jwk || cjose_jwk_get_kty(jwk.get(), &err) != want_kty) continue;
    if (want_kty == CJOSE_JWK_KTY_EC && cjose_jwk_EC_get_curve(jwk.get(), &err) != CJOSE_JWK_EC_P_256) continue;
    key_found = true;
    if (cjose_jws_verify(jws.get(), jwk.get(), &err)) {
      verified = true;
      break;
    }
  }
  if (!key_found) {
    IdTokenResult r = refuse("key",
                             "The sign-in token is signed with a key the identity provider does not publish. Sign in "
                             "again; if it repeats, tell your administrator.",
                             "no " + alg + " key with kid=" + kid + " in the JWKS");
    r.kid = kid;
    return r;
  }
  if (!verified)
    return refuse("signature",
                  "The sign-in token's signature does not match the identity provider's keys, so it was refused (it "
                  "may have been altered on the way). Sign in again; if it repeats, tell your administrator.",
                  "signature check failed for alg=" + alg + " kid=" + kid);

  uint8_t* plain = nullptr;
  size_t plain_len = 0;
  if (!cjose_jws_get_plaintext(jws.get(), &plain, &plain_len, &err))
    return refuse("format", garbled, "id_token has no payload");
  json::value payload;
  try {
    payload = json::parse(std::string_view(reinterpret_cast<const char*>(plain), plain_len));
  } catch (const std::exception& e) {
    return refuse("format", garbled, std::string("id_token payload is not JSON: ") + e.what());
  }
  if (!payload.is_object()) return refuse("format", garbled, "id_token payload is not a JSON object");
  const auto& claims = payload.as_object();

  const std::string iss = string_of(claims, "iss");
  if (iss != expect.issuer)
    return refuse("issuer",
                  "The sign-in token comes from another identity provider (" + iss + ") than the one this console trusts (" +
                      expect.issuer + "). Tell your administrator.",
                  "iss=" + iss + " expected " + expect.issuer);

  std::vector<std::string> audiences;
  if (auto it = claims.find("aud"); it != claims.end()) {
    if (it->value().is_string()) audiences.emplace_back(it->value().as_string());
    else if (it->value().is_array())
      for (const auto& a : it->value().as_array())
        if (a.is_string()) audiences.emplace_back(a.as_string());
  }
  bool ours = false;
  std::string aud_text;
  for (const auto& a : audiences) {
    ours |= a == expect.client_id;
    aud_text += (aud_text.empty() ? "" : ",") + a;
  }
  if (!ours)
    return refuse("audience",
                  "The sign-in token was issued for another application (" + (aud_text.empty() ? std::string("none named") : aud_text) +
                      "), not for this console (" + expect.client_id +
                      "). Ask your administrator to check the console's client id at the identity provider.",
                  "aud=[" + aud_text + "] expected " + expect.client_id);
  if (audiences.size() > 1 && string_of(claims, "azp") != expect.client_id)
    return refuse("audience",
                  "The sign-in token was issued to another application on behalf of this console. Sign in again.",
                  "aud=[" + aud_text + "] azp=" + string_of(claims, "azp") + " expected azp " + expect.client_id);

  const int64_t now_s = expect.now_unix_ms / 1000, skew_s = expect.skew_ms / 1000;
  const int64_t exp = seconds_of(claims, "exp"), iat = seconds_of(claims, "iat"), nbf = seconds_of(claims, "nbf");
  if (exp < 0 || iat < 0) return refuse("format", garbled, "id_token lacks a numeric exp or iat");
  if (now_s > exp + skew_s)
    return refuse("expired",
                  "The sign-in token had already expired (at " + utc_text(exp) + "; this server's clock says " +
                      utc_text(now_s) + "). Sign in again; if it repeats, the clocks of this server and the identity "
                      "provider disagree.",
                  "exp=" + std::to_string(exp) + " now=" + std::to_string(now_s) + " skew_s=" + std::to_string(skew_s));
  if (iat > now_s + skew_s || (nbf >= 0 && nbf > now_s + skew_s))
    return refuse("not_yet_valid",
                  "The sign-in token is dated in the future (" + utc_text(std::max(iat, nbf)) +
                      "); the clocks of this server and the identity provider disagree. Tell your administrator.",
                  "iat=" + std::to_string(iat) + " nbf=" + std::to_string(nbf) + " now=" + std::to_string(now_s));
  if (string_of(claims, "nonce") != expect.nonce)
    return refuse("nonce",
                  "The sign-in answer does not belong to this sign-in attempt, so it was refused. Start again from the "
                  "login page.",
                  "nonce mismatch");
  if (string_of(claims, "sub").empty()) return refuse("format", garbled, "id_token has no sub");

  IdTokenResult ok;
  ok.ok = true;
  ok.kid = kid;
  ok.claims = claims;
  return ok;
}

}  // namespace telltale::server::console
