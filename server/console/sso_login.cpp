#include "server/console/sso_login.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <toml++/toml.h>

#include "platform/common/file.h"
#include "server/console/oidc_http.h"
#include "server/console/oidc_token.h"

namespace telltale::server::console {
namespace json = boost::json;
namespace {

constexpr int64_t kPendingMs = 10 * 60 * 1000;       // a sign-in must come back within 10 minutes
constexpr size_t kMaxPending = 10000;                // started, never finished sign-ins kept at most
constexpr int64_t kDiscoveryMs = 60 * 60 * 1000;     // endpoints and keys are re-read hourly
constexpr int64_t kJwksRefreshGapMs = 60 * 1000;     // an unknown key id refetches keys at most once a minute

std::string base64url(const unsigned char* p, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string random_url_token(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) throw std::runtime_error("RAND_bytes failed");
  return base64url(buf.data(), bytes);
}

std::string pkce_challenge(const std::string& verifier) {
  unsigned char digest[32];
  unsigned int len = 0;
  EVP_Digest(verifier.data(), verifier.size(), digest, &len, EVP_sha256(), nullptr);
  return base64url(digest, len);
}

bool same(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

const std::string kProviderDown =
    "The identity provider could not be reached or gave an answer this console cannot use. Try again in a minute; "
    "if it repeats, tell your administrator (the console's log names the problem).";

json::object fetch_json(const std::string& what, const std::string& url, const OidcHttpOptions& options) {
  auto r = oidc_get(url, options);
  if (!r.error.empty()) throw SsoError("provider", kProviderDown, what + ": " + r.error);
  if (r.status != 200) throw SsoError("provider", kProviderDown, what + ": HTTP " + std::to_string(r.status) + " from " + url);
  try {
    auto v = json::parse(r.body);
    if (v.is_object()) return v.as_object();
  } catch (const std::exception&) {
  }
  throw SsoError("provider", kProviderDown, what + ": " + url + " did not answer a JSON object");
}

std::string str(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

}  // namespace

SsoConfig load_sso_config(const std::filesystem::path& file) {
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(file.string() + ": " + std::string(e.description()));
  }
  const auto* sso = t["sso"].as_table();
  if (!sso) throw std::runtime_error(file.string() + ": no [sso] table");
  auto text = [&](const char* key, bool required) {
    auto v = (*sso)[key].value<std::string>();
    if (!v && (*sso).contains(key)) throw std::runtime_error(file.string() + ": sso." + key + " must be a string");
    if (!v && required) throw std::runtime_error(file.string() + ": sso." + key + " is required");
    return v.value_or("");
  };
  SsoConfig c;
  c.issuer = text("issuer", true);
  while (c.issuer.size() > 8 && c.issuer.back() == '/') c.issuer.pop_back();
  c.client_id = text("client_id", true);
  c.client_secret = text("client_secret", false);
  if (auto path = text("client_secret_file", false); !path.empty()) {
    auto r = read_file(path, 4096);
    if (!r.data) throw std::runtime_error(file.string() + ": sso.client_secret_file " + path + ": " + r.error);
    c.client_secret = *r.data;
    while (!c.client_secret.empty() && (c.client_secret.back() == '\n' || c.client_secret.back() == '\r'))
      c.client_secret.pop_back();
  }
  if (c.client_secret.empty())
    throw std::runtime_error(file.string() + ": sso.client_secret or sso.client_secret_file is required");
  c.redirect_url = text("redirect_url", true);
  if (c.redirect_url.rfind("https://", 0) != 0)
    throw std::runtime_error(file.string() + ": sso.redirect_url must be the console's https URL ending in /api/v1/sso/callback");
  if (auto v = text("role_claim", false); !v.empty()) c.role_claim = v;
  if (auto v = text("scopes", false); !v.empty()) c.scopes = v;
  if (auto v = text("label", false); !v.empty()) c.label = v;
  c.ca_file = text("ca_file", false);
  if (auto skew = (*sso)["clock_skew_seconds"].value<int64_t>()) {
    if (*skew < 0 || *skew > 600) throw std::runtime_error(file.string() + ": sso.clock_skew_seconds must be 0-600");
    c.clock_skew_ms = *skew * 1000;
  }
  if (auto problem = oidc_url_problem(c.issuer); !problem.empty())
    throw std::runtime_error(file.string() + ": sso.issuer " + problem);
  if (const auto* roles = (*sso)["roles"].as_table()) {
    for (auto& [name, values] : *roles) {
      auto role = parse_role(name.str());
      if (!role) throw std::runtime_error(file.string() + ": sso.roles." + std::string(name.str()) +
                                          " is not viewer, investigator or admin");
      const auto* list = values.as_array();
      if (!list) throw std::runtime_error(file.string() + ": sso.roles." + std::string(name.str()) + " must be a list of strings");
      for (auto& v : *list) {
        auto s = v.value<std::string>();
        if (!s) throw std::runtime_error(file.string() + ": sso.roles." + std::string(name.str()) + " must be a list of strings");
        c.role_values[*s] = *role;
      }
    }
  }
  return c;
}

SsoLogin::SsoLogin(SsoConfig config) : config_(std::move(config)) {}

SsoLogin::Endpoints SsoLogin::endpoints(int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    if (!endpoints_.token.empty() && now_ms - endpoints_.fetched_ms < kDiscoveryMs) return endpoints_;
  }
  OidcHttpOptions options{config_.ca_file};
  auto doc = fetch_json("discovery", config_.issuer + "/.well-known/openid-configuration", options);
  // OpenID Connect Discovery 4.3: the document must name exactly the issuer it was fetched for.
  if (str(doc, "issuer") != config_.issuer)
    throw SsoError("provider", kProviderDown, "discovery names issuer " + str(doc, "issuer") + ", expected " + config_.issuer);
  Endpoints e{str(doc, "authorization_endpoint"), str(doc, "token_endpoint"), str(doc, "jwks_uri"), now_ms};
  for (const auto* url : {&e.authorization, &e.token, &e.jwks})
    if (url->empty() || !oidc_url_problem(*url).empty())
      throw SsoError("provider", kProviderDown, "discovery endpoint unusable: " + (url->empty() ? "missing" : oidc_url_problem(*url)));
  std::lock_guard lock(mu_);
  endpoints_ = e;
  return e;
}

std::string SsoLogin::jwks(int64_t now_ms, bool refresh) {
  const auto e = endpoints(now_ms);
  {
    std::lock_guard lock(mu_);
    const bool fresh = !jwks_.empty() && now_ms - jwks_fetched_ms_ < kDiscoveryMs;
    if (fresh && (!refresh || now_ms - jwks_fetched_ms_ < kJwksRefreshGapMs)) return jwks_;
  }
  auto doc = fetch_json("jwks", e.jwks, OidcHttpOptions{config_.ca_file});
  std::string text = json::serialize(doc);
  std::lock_guard lock(mu_);
  jwks_ = text;
  jwks_fetched_ms_ = now_ms;
  return text;
}

SsoLogin::Start SsoLogin::start(int64_t now_ms) {
  const auto e = endpoints(now_ms);
  Start s;
  s.state = random_url_token(24);
  Pending p{random_url_token(24), random_url_token(32), now_ms};
  {
    std::lock_guard lock(mu_);
    std::erase_if(pending_, [&](const auto& kv) { return now_ms - kv.second.created_ms > kPendingMs; });
    if (pending_.size() >= kMaxPending) pending_.erase(pending_.begin());
    pending_[s.state] = p;
  }
  s.authorize_url = e.authorization + (e.authorization.find('?') == std::string::npos ? "?" : "&") +
                    "response_type=code&client_id=" + form_encode(config_.client_id) +
                    "&redirect_uri=" + form_encode(config_.redirect_url) + "&scope=" + form_encode(config_.scopes) +
                    "&state=" + s.state + "&nonce=" + p.nonce + "&code_challenge=" + pkce_challenge(p.verifier) +
                    "&code_challenge_method=S256";
  return s;
}

SsoIdentity SsoLogin::finish(const std::string& code, const std::string& state, const std::string& cookie_state,
                             int64_t now_ms) {
  const std::string again = "This sign-in has expired or was already used, or it was started in another browser. "
                            "Start again from the login page.";
  Pending p;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(state);
    if (state.empty() || it == pending_.end()) throw SsoError("state", again, "unknown or used state");
    p = it->second;
    pending_.erase(it);  // one use, whatever happens next
  }
  if (!same(state, cookie_state)) throw SsoError("state", again, "state does not match this browser's tt_sso cookie");
  if (now_ms - p.created_ms > kPendingMs) throw SsoError("state", again, "state older than 10 minutes");
  if (code.empty()) throw SsoError("provider", kProviderDown, "callback without code");

  const auto e = endpoints(now_ms);
  auto r = oidc_post_form(e.token,
                          {{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", config_.redirect_url},
                           {"code_verifier", p.verifier}},
                          config_.client_id, config_.client_secret, OidcHttpOptions{config_.ca_file});
  if (!r.error.empty()) throw SsoError("provider", kProviderDown, "token endpoint: " + r.error);
  json::object answer;
  try {
    auto v = json::parse(r.body);
    if (v.is_object()) answer = v.as_object();
  } catch (const std::exception&) {
  }
  if (r.status != 200) {
    throw SsoError("provider",
                   "The identity provider refused to complete the sign-in (" +
                       (str(answer, "error").empty() ? "HTTP " + std::to_string(r.status) : str(answer, "error")) +
                       "). Start again from the login page; if it repeats, tell your administrator.",
                   "token endpoint HTTP " + std::to_string(r.status) + " " + str(answer, "error") + " " +
                       str(answer, "error_description"));
  }
  const std::string id_token = str(answer, "id_token");
  if (id_token.empty()) throw SsoError("provider", kProviderDown, "token endpoint answered without id_token");

  IdTokenExpect expect{config_.issuer, config_.client_id, p.nonce, now_ms, config_.clock_skew_ms};
  auto v = verify_id_token(id_token, jwks(now_ms, false), expect);
  if (!v.ok && v.reason == "key") v = verify_id_token(id_token, jwks(now_ms, true), expect);  // rotated keys
  if (!v.ok) throw SsoError(v.reason, v.problem, v.detail);

  SsoIdentity id;
  id.issuer = config_.issuer;
  id.subject = str(v.claims, "sub");
  id.username = str(v.claims, "preferred_username");
  if (id.username.empty()) id.username = str(v.claims, "email");
  if (id.username.empty()) id.username = id.subject;

  std::vector<std::string> values;
  if (auto it = v.claims.find(config_.role_claim); it != v.claims.end()) {
    if (it->value().is_string()) values.emplace_back(it->value().as_string());
    if (it->value().is_array())
      for (auto& x : it->value().as_array())
        if (x.is_string()) values.emplace_back(x.as_string());
  }
  int best = -1;
  for (auto& value : values) {
    id.role_claim_values += (id.role_claim_values.empty() ? "" : ",") + value;
    std::optional<Role> role;
    if (config_.role_values.empty()) role = parse_role(value);
    else if (auto m = config_.role_values.find(value); m != config_.role_values.end()) role = m->second;
    if (role && static_cast<int>(*role) > best) best = static_cast<int>(*role);
  }
  if (best < 0)
    throw SsoError("role",
                   "You signed in as " + id.username + ", but your account has no role in this console (the identity "
                   "provider's \"" + config_.role_claim + "\" names " +
                       (values.empty() ? std::string("nothing") : id.role_claim_values) +
                       "). Ask your administrator to add you to a console group.",
                   "sub=" + id.subject + " " + config_.role_claim + "=[" + id.role_claim_values + "]");
  id.role = static_cast<Role>(best);
  return id;
}

}  // namespace telltale::server::console
