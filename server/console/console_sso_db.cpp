// ConsoleDb's single sign-on table: which console user each identity
// provider subject is. Kept in its own table (created here, outside the
// numbered schema steps of console_db.cpp) so a console.db from before single
// sign-on gains it on first use and loses nothing.
#include "server/console/console_db.h"

namespace telltale::server::console {
namespace {

constexpr const char* kSchema = R"(
  CREATE TABLE IF NOT EXISTS sso_identities(issuer TEXT NOT NULL, subject TEXT NOT NULL,
    username TEXT NOT NULL UNIQUE, created_unix_ms INTEGER NOT NULL, last_login_unix_ms INTEGER NOT NULL,
    PRIMARY KEY(issuer, subject));
)";

// A console user name from the token's: at most 64 bytes, no control characters.
std::string clean_name(const std::string& preferred, const std::string& subject) {
  std::string out;
  for (unsigned char c : preferred)
    if (c >= 0x20 && c != 0x7f) out += static_cast<char>(c);
  if (out.empty() || out.size() > 64) out = "sso-" + subject.substr(0, 60);
  return out;
}

}  // namespace

ConsoleDb::SsoSignIn ConsoleDb::sso_sign_in(const std::string& issuer, const std::string& subject,
                                            const std::string& preferred_name, Role role, int64_t now_ms) {
  // The password column of an SSO user holds a hash of a random secret nobody
  // knows, so the local login can never open it; made before the lock (PBKDF2).
  const std::string unusable = hash_password(random_hex(32));
  std::lock_guard lock(mu_);
  db_.exec(kSchema);
  SsoSignIn out;
  std::string username;
  {
    auto q = db_.prepare("SELECT username FROM sso_identities WHERE issuer=? AND subject=?");
    q.bind(1, issuer).bind(2, subject);
    if (q.step()) username = q.text(0);
  }
  if (username.empty()) {
    username = clean_name(preferred_name, subject);
    auto taken = db_.prepare("SELECT 1 FROM users WHERE username=?");
    taken.bind(1, username);
    if (taken.step()) {
      out.refusal = "A console user named " + username +
                    " already exists and signs in with a password; single sign-on does not take it over. Ask your "
                    "administrator to rename or remove that user.";
      return out;
    }
    db_.exec("BEGIN IMMEDIATE");
    try {
      db_.prepare("INSERT INTO users(username, role, password, must_change, created_unix_ms) VALUES(?,?,?,0,?)")
          .bind(1, username).bind(2, to_string(role)).bind(3, unusable).bind(4, now_ms).run();
      db_.prepare("INSERT INTO sso_identities VALUES(?,?,?,?,?)")
          .bind(1, issuer).bind(2, subject).bind(3, username).bind(4, now_ms).bind(5, now_ms).run();
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
    out.created = true;
  } else {
    db_.prepare("UPDATE users SET role=? WHERE username=?").bind(1, to_string(role)).bind(2, username).run();
    db_.prepare("UPDATE sso_identities SET last_login_unix_ms=? WHERE issuer=? AND subject=?")
        .bind(1, now_ms).bind(2, issuer).bind(3, subject).run();
  }
  auto q = db_.prepare("SELECT disabled FROM users WHERE username=?");
  q.bind(1, username);
  const bool disabled = q.step() && q.int64(0) != 0;
  if (disabled) {
    out.refusal = "Your console account " + username + " is disabled. Ask an administrator to enable it.";
    return out;
  }
  out.principal = Principal{username, role, {}, false, {}, false};
  return out;
}

std::map<std::string, std::string> ConsoleDb::sso_users() {
  std::lock_guard lock(mu_);
  db_.exec(kSchema);
  std::map<std::string, std::string> out;
  auto q = db_.prepare("SELECT username, issuer FROM sso_identities");
  while (q.step()) out[q.text(0)] = q.text(1);
  return out;
}

}  // namespace telltale::server::console
