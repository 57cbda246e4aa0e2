// Single sign-on against a real OpenID provider (npm oidc-provider, started
// here on loopback by tests/console/oidc/provider.mjs): the test is the
// browser — it follows the console's redirect to the provider, signs in on
// the provider's form, and brings the code back to the console — and the
// console does the rest for real (discovery, PKCE token exchange, JWKS,
// signature and claim checks, role from the groups claim).
#include <curl/curl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "tests/console/console_fixture.h"

namespace telltale::console_test {
namespace {

using telltale::server::console::Role;
const std::string kRedirect = "https://console.example.test/api/v1/sso/callback";
const std::string kSecret = "telltale-console-secret-for-tests";

std::filesystem::path oidc_dir() { return std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/console/oidc"; }

size_t collect(char* p, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, s * n);
  return s * n;
}

struct Page {
  long status = 0;
  std::string body, next;  // next: the absolute Location of a redirect
};

// One request of the browser at the provider; the handle keeps its cookies.
Page fetch(CURL* c, const std::string& url, const std::string* form = nullptr) {
  Page p;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &p.body);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  if (form) curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, form->c_str());
  else curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  if (curl_easy_perform(c) != CURLE_OK) return p;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &p.status);
  char* next = nullptr;
  curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &next);
  if (next) p.next = next;
  return p;
}

class ConsoleSso : public ConsoleTest {
 protected:
  void configure(server::console::ConsoleConfig& c) override {
    node_ = std::filesystem::exists("/usr/bin/node") ? "/usr/bin/node" : "";
    if (node_.empty() || !std::filesystem::exists(oidc_dir() / "node_modules/oidc-provider")) return;
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    provider_ = fork();
    if (provider_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      const std::string script = (oidc_dir() / "provider.mjs").string();
      execl(node_.c_str(), "node", script.c_str(), "--redirect-uri", kRedirect.c_str(), "--client-secret",
            kSecret.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[512];
    while (fgets(line, sizeof line, f))
      if (std::string(line).rfind("issuer ", 0) == 0) {
        issuer_ = std::string(line + 7);
        issuer_.erase(issuer_.find_last_not_of("\r\n") + 1);
        break;
      }
    provider_out_ = f;  // kept open: the provider logs to it and must not get SIGPIPE
    ASSERT_FALSE(issuer_.empty()) << "the OpenID provider did not start";
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    c.sso.issuer = issuer_;
    c.sso.client_id = test.find("Es256") != std::string::npos ? "telltale-console-es256" : "telltale-console";
    c.sso.client_secret = kSecret;
    c.sso.redirect_url = kRedirect;
    c.sso.role_claim = "groups";
    c.sso.scopes = "openid email profile groups";
    c.sso.role_values = {{"telltale-investigators", Role::kInvestigator}, {"telltale-admins", Role::kAdmin}};
    c.sso.label = "Example IdP";
  }
  void SetUp() override {
    ConsoleTest::SetUp();
    if (issuer_.empty())
      GTEST_SKIP() << "node or oidc-provider missing: npm ci --prefix tests/console/oidc (.ci/test does)";
  }
  void TearDown() override {
    if (provider_ > 0) {
      kill(provider_, SIGTERM);
      waitpid(provider_, nullptr, 0);
    }
    if (provider_out_) fclose(provider_out_);
    ConsoleTest::TearDown();
  }

  // What the provider's token endpoint hands out next (provider.mjs: ok,
  // wrong_audience, expired, tampered).
  void provider_mode(const std::string& mode) {
    CURL* c = curl_easy_init();
    std::string body = mode;
    auto p = fetch(c, issuer_ + "/__test/mode", &body);
    curl_easy_cleanup(c);
    ASSERT_EQ(p.status, 200) << p.body;
  }

  struct Outcome {
    Reply start;     // the console's answer to /sso/start
    Reply callback;  // … and to the browser coming back
    std::string callback_query, sso_cookie;
  };
  // A browser signing in as `account` at the provider, from the console's
  // login link to the console's answer on the way back.
  Outcome sign_in(const std::string& account) {
    Outcome o;
    o.start = call("GET", "/api/v1/sso/start");
    EXPECT_EQ(o.start.status, 302) << o.start.body;
    o.sso_cookie = o.start.set_cookie.substr(0, o.start.set_cookie.find(';'));
    CURL* c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");  // the browser's cookie jar, in memory
    std::string url = o.start.location;
    for (int step = 0; step < 10 && !url.empty(); ++step) {
      if (url.rfind(kRedirect + "?", 0) == 0) {
        o.callback_query = url.substr(kRedirect.size() + 1);
        break;
      }
      auto page = fetch(c, url);
      if (page.status == 200 && page.body.find("<form method=\"post\"") != std::string::npos) {
        std::string form = "login=" + account;
        page = fetch(c, url + "/login", &form);
      }
      url = page.next;
    }
    curl_easy_cleanup(c);
    EXPECT_FALSE(o.callback_query.empty()) << "the provider never sent the browser back to the console";
    o.callback = call("GET", "/api/v1/sso/callback?" + o.callback_query, {}, o.sso_cookie);
    return o;
  }
  static std::string session_cookie(const Reply& r) {
    return r.set_cookie.rfind("tt_session=", 0) == 0 ? r.set_cookie.substr(0, r.set_cookie.find(';')) : "";
  }
  // The login page's message from a refusal's redirect (#/login?sso_error=…).
  static std::string refusal(const Reply& r) {
    auto at = r.location.find("sso_error=");
    if (at == std::string::npos) return {};
    std::string enc = r.location.substr(at + 10), out;
    for (size_t i = 0; i < enc.size(); ++i) {
      if (enc[i] == '%' && i + 2 < enc.size()) {
        out += static_cast<char>(std::stoi(enc.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += enc[i];
      }
    }
    return out;
  }
  std::string last_refusal_detail(const Session& admin) {
    for (auto& e : audit_entries(admin))
      if (e.at("action").as_string() == "login.sso_refused") return std::string(e.at("detail").as_string());
    return {};
  }

  std::string node_, issuer_;
  pid_t provider_ = -1;
  FILE* provider_out_ = nullptr;
};

TEST_F(ConsoleSso, InvestigatorSignsInAtTheProvider_GetsTheRoleHerGroupMapsTo) {
  auto info = call("GET", "/api/v1/sso");
  EXPECT_EQ(info.json().at("enabled").as_bool(), true);
  EXPECT_EQ(info.json().at("label").as_string(), "Example IdP");
  auto o = sign_in("alice");
  // The authorization request carries PKCE (S256), a state and a nonce.
  EXPECT_NE(o.start.location.find("code_challenge_method=S256"), std::string::npos) << o.start.location;
  EXPECT_NE(o.start.location.find("&nonce="), std::string::npos);
  EXPECT_NE(o.start.set_cookie.find("SameSite=Lax"), std::string::npos);
  ASSERT_EQ(o.callback.status, 302) << o.callback.body;
  EXPECT_EQ(o.callback.location, "/#/");
  const std::string cookie = session_cookie(o.callback);
  ASSERT_FALSE(cookie.empty()) << o.callback.location;
  auto me = call("GET", "/api/v1/me", {}, cookie);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json().at("username").as_string(), "alice");
  EXPECT_EQ(me.json().at("role").as_string(), "investigator");
  EXPECT_EQ(me.json().at("must_change_password").as_bool(), false);
  // An investigator may read cases but not administer users.
  EXPECT_EQ(call("GET", "/api/v1/cases", {}, cookie).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/users", {}, cookie).status, 403);
  // The local login cannot open the SSO user: there is no password to guess.
  EXPECT_EQ(call("POST", "/api/v1/login", R"({"username":"alice","password":""})").status, 401);
  auto a = admin();
  auto actions = audit_actions(a);
  EXPECT_NE(std::find(actions.begin(), actions.end(), "login.sso"), actions.end());
}

TEST_F(ConsoleSso, AdminGroupAmongOthers_GivesTheHighestMappedRole) {
  auto o = sign_in("carol");  // groups: telltale-admins, staff
  ASSERT_EQ(o.callback.status, 302);
  auto me = call("GET", "/api/v1/me", {}, session_cookie(o.callback));
  EXPECT_EQ(me.json().at("role").as_string(), "admin");
}

TEST_F(ConsoleSso, Es256SignedTokens_AreVerifiedAgainstTheProvidersEcKey) {
  auto o = sign_in("alice");
  ASSERT_EQ(o.callback.status, 302);
  ASSERT_FALSE(session_cookie(o.callback).empty()) << refusal(o.callback);
  EXPECT_EQ(call("GET", "/api/v1/me", {}, session_cookie(o.callback)).json().at("role").as_string(), "investigator");
}

TEST_F(ConsoleSso, TokenIssuedForAnotherApplication_IsRefusedInPlainWords) {
  provider_mode("wrong_audience");
  auto o = sign_in("alice");
  ASSERT_EQ(o.callback.status, 302);
  EXPECT_TRUE(session_cookie(o.callback).empty());
  EXPECT_NE(refusal(o.callback).find("issued for another application (some-other-app)"), std::string::npos)
      << o.callback.location;
  EXPECT_NE(last_refusal_detail(admin()).find("reason=audience"), std::string::npos);
}

TEST_F(ConsoleSso, ExpiredToken_IsRefusedInPlainWords) {
  provider_mode("expired");
  auto o = sign_in("alice");
  EXPECT_TRUE(session_cookie(o.callback).empty());
  EXPECT_NE(refusal(o.callback).find("had already expired"), std::string::npos) << o.callback.location;
  EXPECT_NE(last_refusal_detail(admin()).find("reason=expired"), std::string::npos);
}

TEST_F(ConsoleSso, TokenWithATamperedPayload_FailsItsSignatureAndGrantsNothing) {
  provider_mode("tampered");  // alice's token rewritten to claim telltale-admins, old signature kept
  auto o = sign_in("alice");
  EXPECT_TRUE(session_cookie(o.callback).empty());
  EXPECT_NE(refusal(o.callback).find("signature does not match"), std::string::npos) << o.callback.location;
  auto a = admin();
  EXPECT_NE(last_refusal_detail(a).find("reason=signature"), std::string::npos);
  // No user was made from the forged token.
  auto users = get(a, "/api/v1/users").body;
  EXPECT_EQ(users.find("\"alice\""), std::string::npos) << users;
}

TEST_F(ConsoleSso, AccountInNoConsoleGroup_IsToldToAskForOne) {
  auto o = sign_in("mallory");
  EXPECT_TRUE(session_cookie(o.callback).empty());
  EXPECT_NE(refusal(o.callback).find("has no role in this console"), std::string::npos) << o.callback.location;
  EXPECT_NE(refusal(o.callback).find("staff"), std::string::npos);
}

TEST_F(ConsoleSso, CallbackReplayedOrFromAnotherBrowser_IsRefused) {
  auto o = sign_in("alice");
  ASSERT_FALSE(session_cookie(o.callback).empty());
  // The same code and state again (a replay): the state was used once.
  auto again = call("GET", "/api/v1/sso/callback?" + o.callback_query, {}, o.sso_cookie);
  EXPECT_TRUE(session_cookie(again).empty());
  EXPECT_NE(refusal(again).find("Start again from the login page"), std::string::npos);
  // A fresh sign-in whose answer arrives in a browser that did not start it.
  auto start = call("GET", "/api/v1/sso/start");
  auto state_at = start.location.find("state=");
  auto state = start.location.substr(state_at + 6, start.location.find('&', state_at) - state_at - 6);
  auto other = call("GET", "/api/v1/sso/callback?code=x&state=" + state, {}, "tt_sso=someone-elses");
  EXPECT_TRUE(session_cookie(other).empty());
  EXPECT_NE(refusal(other).find("another browser"), std::string::npos);
}

TEST_F(ConsoleSso, LocalUserOfTheSameName_IsNotTakenOver) {
  auto a = admin();
  user_with_role(a, "alice", "viewer");
  auto o = sign_in("alice");
  EXPECT_TRUE(session_cookie(o.callback).empty());
  EXPECT_NE(refusal(o.callback).find("already exists"), std::string::npos) << o.callback.location;
}

TEST_F(ConsoleSso, WithoutSsoConfigured_TheConsoleSaysSoAndHasNoSsoPaths) {
  // The provider runs, but a console without [sso] must not answer its paths.
  server_->stop();
  server::console::ConsoleConfig plain;
  plain.listen = "127.0.0.1:0";
  plain.data_dir = dir_;
  server_ = std::make_unique<server::console::ConsoleServer>(plain, *store_);
  server_->start();
  EXPECT_EQ(call("GET", "/api/v1/sso").json().at("enabled").as_bool(), false);
  EXPECT_EQ(call("GET", "/api/v1/sso/start").status, 401);
}

}  // namespace
}  // namespace telltale::console_test
