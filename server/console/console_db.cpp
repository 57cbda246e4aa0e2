#include "server/console/console_db.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <atomic>
#include <stdexcept>

#include "platform/common/hash.h"

namespace telltale::server::console {
namespace {

constexpr int64_t kSessionMs = 12LL * 3600 * 1000;
std::atomic<uint64_t> g_hash_count{0};

std::string to_hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

std::string pbkdf2(std::string_view password, const std::string& salt, int iterations) {
  g_hash_count.fetch_add(1, std::memory_order_relaxed);
  unsigned char out[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        iterations, EVP_sha256(), sizeof out, out) != 1)
    throw std::runtime_error("PBKDF2 failed");
  return to_hex(out, sizeof out);
}

// Constant time so a timing side channel does not leak the hash prefix.
bool same(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

const char* to_string(Role r) {
  switch (r) {
    case Role::kViewer: return "viewer";
    case Role::kInvestigator: return "investigator";
    case Role::kAdmin: return "admin";
  }
  return "viewer";
}

bool valid_case_status(std::string_view s) {
  return s == "open" || s == "acknowledged" || s == "false_positive" || s == "confirmed";
}

std::optional<Role> parse_role(std::string_view s) {
  if (s == "viewer") return Role::kViewer;
  if (s == "investigator") return Role::kInvestigator;
  if (s == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string random_hex(size_t bytes) {
  std::string buf(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return to_hex(reinterpret_cast<const unsigned char*>(buf.data()), bytes);
}

std::string hash_password(std::string_view password, int iterations) {
  std::string salt = random_hex(16);
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + salt + "$" + pbkdf2(password, salt, iterations);
}

uint64_t password_hash_count() { return g_hash_count.load(); }

bool verify_password(std::string_view password, const std::string& encoded) {
  auto a = encoded.find('$'), b = encoded.find('$', a + 1), c = encoded.find('$', b + 1);
  if (a == std::string::npos || b == std::string::npos || c == std::string::npos) return false;
  int iterations = std::stoi(encoded.substr(a + 1, b - a - 1));
  return same(pbkdf2(password, encoded.substr(b + 1, c - b - 1), iterations), encoded.substr(c + 1));
}

ConsoleDb::ConsoleDb(const std::filesystem::path& path) : db_(path) {
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS users(username TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT NOT NULL,
      must_change INTEGER NOT NULL, created_unix_ms INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS sessions(id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
      expires_unix_ms INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS api_tokens(secret_hash TEXT PRIMARY KEY, username TEXT NOT NULL,
      created_unix_ms INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY AUTOINCREMENT, unix_ms INTEGER NOT NULL,
      actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, peer TEXT NOT NULL, detail TEXT NOT NULL);
    -- UPDATE is guarded by audit_only_repeats_grow (schema version 2).
    CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
      BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
  )");
  migrate();
  // A real hash with the real cost: a login for a missing user is checked
  // against it, so it takes exactly the path (and time) of a wrong password.
  dummy_hash_ = hash_password(random_hex(16));
}

// Schema steps after the first release, keyed by PRAGMA user_version. Each
// step only adds, so a console.db from an older collector keeps its users,
// sessions, tokens and audit log; each runs in one transaction with the
// version bump, so a crash leaves either the old or the new schema.
void ConsoleDb::migrate() {
  int64_t version = 0;
  {
    auto v = db_.prepare("PRAGMA user_version");
    v.step();
    version = v.int64(0);
  }  // finalized before writing
  if (version < 1) {
    db_.exec(R"(
      BEGIN IMMEDIATE;
      CREATE TABLE IF NOT EXISTS cases(id INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL,
        title TEXT NOT NULL, status TEXT NOT NULL, owner TEXT NOT NULL, created_by TEXT NOT NULL,
        created_unix_ms INTEGER NOT NULL, updated_unix_ms INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS cases_device ON cases(device_id);
      CREATE TABLE IF NOT EXISTS case_notes(id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL,
        author TEXT NOT NULL, unix_ms INTEGER NOT NULL, text TEXT NOT NULL);
      CREATE TRIGGER IF NOT EXISTS case_notes_no_update BEFORE UPDATE ON case_notes
        BEGIN SELECT RAISE(ABORT, 'case notes are append-only'); END;
      CREATE TRIGGER IF NOT EXISTS case_notes_no_delete BEFORE DELETE ON case_notes
        BEGIN SELECT RAISE(ABORT, 'case notes are append-only'); END;
      PRAGMA user_version = 1;
      COMMIT;
    )");
  }
  if (version < 2) {
    // Credential lifecycle: users can be disabled; API tokens get a public id,
    // an expiry (tokens from before get 90 days from their creation) and a
    // revocation; the audit log may fold repeated events into one row.
    db_.exec(R"(
      BEGIN IMMEDIATE;
      ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE api_tokens ADD COLUMN id TEXT NOT NULL DEFAULT '';
      ALTER TABLE api_tokens ADD COLUMN expires_unix_ms INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE api_tokens ADD COLUMN revoked_unix_ms INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE api_tokens ADD COLUMN revoked_reason TEXT NOT NULL DEFAULT '';
      ALTER TABLE api_tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
      UPDATE api_tokens SET id = substr(secret_hash, 1, 16), expires_unix_ms = created_unix_ms + 90 * 86400000;
      CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_id ON api_tokens(id);
      ALTER TABLE audit ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
      DROP TRIGGER IF EXISTS audit_no_update;
      CREATE TRIGGER IF NOT EXISTS audit_only_repeats_grow BEFORE UPDATE ON audit
        WHEN NEW.id IS NOT OLD.id OR NEW.unix_ms IS NOT OLD.unix_ms OR NEW.actor IS NOT OLD.actor
          OR NEW.action IS NOT OLD.action OR NEW.target IS NOT OLD.target OR NEW.peer IS NOT OLD.peer
          OR NEW.detail IS NOT OLD.detail OR NEW.repeats < OLD.repeats
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only (only a repeat count may grow)'); END;
      PRAGMA user_version = 2;
      COMMIT;
    )");
  }
}

std::optional<std::string> ConsoleDb::bootstrap_admin(int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto count = db_.prepare("SELECT COUNT(*) FROM users");
  count.step();
  if (count.int64(0) > 0) return std::nullopt;
  std::string password = random_hex(12);
  db_.prepare("INSERT INTO users(username, role, password, must_change, created_unix_ms) VALUES('admin','admin',?,1,?)")
      .bind(1, hash_password(password)).bind(2, now_ms).run();
  return password;
}

std::optional<Principal> ConsoleDb::check_password(const std::string& user, const std::string& password) {
  std::string encoded, role;
  bool must_change = false, disabled = false, found = false;
  {
    std::lock_guard lock(mu_);
    auto q = db_.prepare("SELECT password, role, must_change, disabled FROM users WHERE username=?");
    q.bind(1, user);
    if (q.step()) {
      found = true;
      encoded = q.text(0);
      role = q.text(1);
      must_change = q.int64(2) != 0;
      disabled = q.int64(3) != 0;
    }
  }
  // One verification either way, against the dummy hash for a missing user.
  const bool match = verify_password(password, found ? encoded : dummy_hash_);
  if (!found || !match) return std::nullopt;
  return Principal{user, parse_role(role).value_or(Role::kViewer), {}, must_change, {}, disabled};
}

std::string ConsoleDb::create_user(const std::string& user, Role role, int64_t now_ms) {
  std::string password = random_hex(12);
  std::string hashed = hash_password(password);
  std::lock_guard lock(mu_);
  db_.prepare("INSERT INTO users(username, role, password, must_change, created_unix_ms) VALUES(?,?,?,1,?)").bind(1, user).bind(2, to_string(role)).bind(3, hashed).bind(4, now_ms).run();
  return password;
}

bool ConsoleDb::set_password(const std::string& user, const std::string& password) {
  std::string hashed = hash_password(password);
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE users SET password=?, must_change=0 WHERE username=?").bind(1, hashed).bind(2, user).run();
  return db_.changes() == 1;
}

std::vector<ConsoleDb::UserRow> ConsoleDb::users() {
  std::lock_guard lock(mu_);
  std::vector<UserRow> out;
  auto q = db_.prepare("SELECT username, role, must_change, disabled FROM users ORDER BY username");
  while (q.step())
    out.push_back({q.text(0), parse_role(q.text(1)).value_or(Role::kViewer), q.int64(2) != 0, q.int64(3) != 0});
  return out;
}

bool ConsoleDb::set_role(const std::string& user, Role role) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE users SET role=? WHERE username=?").bind(1, to_string(role)).bind(2, user).run();
  return db_.changes() == 1;
}

bool ConsoleDb::set_disabled(const std::string& user, bool disabled) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE users SET disabled=? WHERE username=?").bind(1, static_cast<int64_t>(disabled)).bind(2, user).run();
  return db_.changes() == 1;
}

std::pair<std::string, std::string> ConsoleDb::create_session(const Principal& p, int64_t now_ms) {
  std::string id = random_hex(32), csrf = random_hex(32);
  std::lock_guard lock(mu_);
  db_.prepare("DELETE FROM sessions WHERE expires_unix_ms < ?").bind(1, now_ms).run();
  // Only the id's hash is kept, so a copy of console.db cannot be replayed as a cookie.
  db_.prepare("INSERT INTO sessions VALUES(?,?,?,?)")
      .bind(1, sha256_hex(id)).bind(2, p.username).bind(3, csrf).bind(4, now_ms + kSessionMs).run();
  return {id, csrf};
}

std::optional<Principal> ConsoleDb::session(const std::string& id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare(
      "SELECT s.username, u.role, s.csrf, u.must_change FROM sessions s JOIN users u ON u.username=s.username "
      "WHERE s.id_hash=? AND s.expires_unix_ms > ? AND u.disabled = 0");
  q.bind(1, sha256_hex(id)).bind(2, now_ms);
  if (!q.step()) return std::nullopt;
  return Principal{q.text(0), parse_role(q.text(1)).value_or(Role::kViewer), q.text(2), q.int64(3) != 0, id};
}

void ConsoleDb::end_session(const std::string& id) {
  std::lock_guard lock(mu_);
  db_.prepare("DELETE FROM sessions WHERE id_hash=?").bind(1, sha256_hex(id)).run();
}

int ConsoleDb::end_sessions_of(const std::string& user, const std::string& keep_session_id) {
  std::lock_guard lock(mu_);
  db_.prepare("DELETE FROM sessions WHERE username=? AND id_hash<>?")
      .bind(1, user).bind(2, keep_session_id.empty() ? std::string() : sha256_hex(keep_session_id)).run();
  return static_cast<int>(db_.changes());
}

ApiTokenIssued ConsoleDb::create_api_token(const std::string& user, int64_t now_ms, int64_t ttl_ms,
                                           const std::string& created_by) {
  ApiTokenIssued t{random_hex(8), "ttc_" + random_hex(24), now_ms + ttl_ms};
  std::lock_guard lock(mu_);
  db_.prepare("INSERT INTO api_tokens(secret_hash, username, created_unix_ms, id, expires_unix_ms, created_by) "
              "VALUES(?,?,?,?,?,?)")
      .bind(1, sha256_hex(t.secret)).bind(2, user).bind(3, now_ms).bind(4, t.id).bind(5, t.expires_unix_ms)
      .bind(6, created_by).run();
  return t;
}

std::optional<Principal> ConsoleDb::api_token(const std::string& secret, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare(
      "SELECT t.username, u.role FROM api_tokens t JOIN users u ON u.username=t.username WHERE t.secret_hash=? "
      "AND t.revoked_unix_ms = 0 AND t.expires_unix_ms > ? AND u.disabled = 0");
  q.bind(1, sha256_hex(secret)).bind(2, now_ms);
  if (!q.step()) return std::nullopt;
  return Principal{q.text(0), parse_role(q.text(1)).value_or(Role::kViewer), {}, false, {}};
}

namespace {
constexpr const char* kTokenColumns =
    "SELECT id, username, created_by, created_unix_ms, expires_unix_ms, revoked_unix_ms, revoked_reason FROM api_tokens";
ApiTokenRecord token_row(sqlite::Statement& q) {
  return {q.text(0), q.text(1), q.text(2), q.int64(3), q.int64(4), q.int64(5), q.text(6)};
}
}  // namespace

std::vector<ApiTokenRecord> ConsoleDb::api_tokens() {
  std::lock_guard lock(mu_);
  std::vector<ApiTokenRecord> out;
  auto q = db_.prepare(std::string(kTokenColumns) + " ORDER BY created_unix_ms DESC, id");
  while (q.step()) out.push_back(token_row(q));
  return out;
}

std::optional<ApiTokenRecord> ConsoleDb::api_token_record(const std::string& id) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare(std::string(kTokenColumns) + " WHERE id=?");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return token_row(q);
}

bool ConsoleDb::revoke_api_token(const std::string& id, int64_t now_ms, const std::string& reason) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE api_tokens SET revoked_unix_ms=?, revoked_reason=? WHERE id=? AND revoked_unix_ms=0")
      .bind(1, now_ms).bind(2, reason).bind(3, id).run();
  return db_.changes() == 1;
}

int ConsoleDb::revoke_api_tokens_of(const std::string& user, int64_t now_ms, const std::string& reason) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE api_tokens SET revoked_unix_ms=?, revoked_reason=? WHERE username=? AND revoked_unix_ms=0")
      .bind(1, now_ms).bind(2, reason).bind(3, user).run();
  return static_cast<int>(db_.changes());
}

int64_t ConsoleDb::audit(int64_t now_ms, const std::string& actor, const std::string& action,
                         const std::string& target, const std::string& peer, const std::string& detail) {
  std::lock_guard lock(mu_);
  db_.prepare("INSERT INTO audit(unix_ms, actor, action, target, peer, detail) VALUES(?,?,?,?,?,?)")
      .bind(1, now_ms).bind(2, actor).bind(3, action).bind(4, target).bind(5, peer).bind(6, detail).run();
  return sqlite3_last_insert_rowid(db_.handle());
}

void ConsoleDb::audit_repeat(int64_t id) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE audit SET repeats = repeats + 1 WHERE id=?").bind(1, id).run();
}

std::vector<AuditEntry> ConsoleDb::audit_log(size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<AuditEntry> out;
  auto q = db_.prepare(
      "SELECT id, unix_ms, actor, action, target, peer, detail, repeats FROM audit ORDER BY id DESC LIMIT ?");
  q.bind(1, static_cast<int64_t>(limit));
  while (q.step())
    out.push_back({q.int64(0), q.int64(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.int64(7)});
  return out;
}

namespace {
constexpr const char* kCaseColumns =
    "SELECT id, device_id, title, status, owner, created_by, created_unix_ms, updated_unix_ms FROM cases";
CaseRecord case_row(sqlite::Statement& q) {
  return {q.int64(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.int64(6), q.int64(7), {}};
}
}  // namespace

CaseRecord ConsoleDb::create_case(const std::string& device_id, const std::string& title, const std::string& created_by,
                                  int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.prepare("INSERT INTO cases(device_id, title, status, owner, created_by, created_unix_ms, updated_unix_ms) "
              "VALUES(?,?,'open',?,?,?,?)")
      .bind(1, device_id).bind(2, title).bind(3, created_by).bind(4, created_by).bind(5, now_ms).bind(6, now_ms).run();
  return {sqlite3_last_insert_rowid(db_.handle()), device_id, title, "open", created_by, created_by, now_ms, now_ms, {}};
}

std::optional<CaseRecord> ConsoleDb::get_case(int64_t id) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare(std::string(kCaseColumns) + " WHERE id=?");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  CaseRecord c = case_row(q);
  auto n = db_.prepare("SELECT author, unix_ms, text FROM case_notes WHERE case_id=? ORDER BY id");
  n.bind(1, id);
  while (n.step()) c.notes.push_back({n.text(0), n.int64(1), n.text(2)});
  return c;
}

std::vector<CaseRecord> ConsoleDb::cases(const std::string& status, const std::string& device_id) {
  std::lock_guard lock(mu_);
  auto q = db_.prepare(std::string(kCaseColumns) +
                       " WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR device_id = ?2) ORDER BY id DESC");
  q.bind(1, status).bind(2, device_id);
  std::vector<CaseRecord> out;
  while (q.step()) out.push_back(case_row(q));
  return out;
}

std::optional<CaseRecord> ConsoleDb::update_case(int64_t id, const std::string& status,
                                                 const std::optional<std::string>& owner, int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    auto q = db_.prepare("UPDATE cases SET status = CASE WHEN ?1 = '' THEN status ELSE ?1 END, "
                         "owner = COALESCE(?2, owner), updated_unix_ms = ?3 WHERE id = ?4");
    q.bind(1, status);
    if (owner) q.bind(2, *owner); else q.bind_null(2);
    q.bind(3, now_ms).bind(4, id).run();
    if (db_.changes() != 1) return std::nullopt;
  }
  return get_case(id);
}

bool ConsoleDb::add_case_note(int64_t id, const std::string& author, const std::string& text, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto exists = db_.prepare("SELECT 1 FROM cases WHERE id=?");
  exists.bind(1, id);
  if (!exists.step()) return false;
  db_.prepare("INSERT INTO case_notes(case_id, author, unix_ms, text) VALUES(?,?,?,?)")
      .bind(1, id).bind(2, author).bind(3, now_ms).bind(4, text).run();
  db_.prepare("UPDATE cases SET updated_unix_ms=? WHERE id=?").bind(1, now_ms).bind(2, id).run();
  return true;
}

std::map<std::string, int64_t> ConsoleDb::case_counts() {
  std::lock_guard lock(mu_);
  std::map<std::string, int64_t> out{{"open", 0}, {"acknowledged", 0}, {"false_positive", 0}, {"confirmed", 0}};
  auto q = db_.prepare("SELECT status, COUNT(*) FROM cases GROUP BY status");
  while (q.step()) out[q.text(0)] = q.int64(1);
  return out;
}

}  // namespace telltale::server::console
