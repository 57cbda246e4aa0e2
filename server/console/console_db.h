#pragma once
// The console's own data in data_dir/console.db: users, sessions, API tokens
// and the append-only audit log. Collector data stays in server::Store.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/common/sqlite.h"

namespace telltale::server::console {

enum class Role { kViewer = 0, kInvestigator = 1, kAdmin = 2 };
const char* to_string(Role r);
std::optional<Role> parse_role(std::string_view s);

struct Principal {
  std::string username;
  Role role = Role::kViewer;
  std::string csrf;             // empty for API-token callers (no cookie, no CSRF exposure)
  bool must_change_password = false;
  std::string session_id;
  bool disabled = false;  // set by check_password only: the password matched a disabled user
};

struct AuditEntry {
  int64_t id = 0;
  int64_t unix_ms = 0;
  std::string actor;
  std::string action;
  std::string target;
  std::string peer;
  std::string detail;
  int64_t repeats = 1;  // identical events folded into this row (rate-limited logins)
};

// An API token as lists show it: never the secret or its hash.
struct ApiTokenRecord {
  std::string id;  // public handle for list and revoke
  std::string username;
  std::string created_by;
  int64_t created_unix_ms = 0;
  int64_t expires_unix_ms = 0;
  int64_t revoked_unix_ms = 0;  // 0: not revoked
  std::string revoked_reason;
};

struct ApiTokenIssued {
  std::string id, secret;
  int64_t expires_unix_ms = 0;
};

// An investigation of one device. Notes are append-only (sqlite triggers
// refuse UPDATE/DELETE), like the audit log: a case's history is evidence.
struct CaseNote {
  std::string author;
  int64_t unix_ms = 0;
  std::string text;
};

struct CaseRecord {
  int64_t id = 0;
  std::string device_id;
  std::string title;
  std::string status;  // open, acknowledged, false_positive, confirmed
  std::string owner;
  std::string created_by;
  int64_t created_unix_ms = 0;
  int64_t updated_unix_ms = 0;
  std::vector<CaseNote> notes;  // oldest first; filled by get_case only
};

bool valid_case_status(std::string_view s);

// PBKDF2-HMAC-SHA256 with a per-user 16-byte salt, encoded "pbkdf2-sha256$iter$salt$hash".
std::string hash_password(std::string_view password, int iterations = 210000);
bool verify_password(std::string_view password, const std::string& encoded);
// PBKDF2 computations since the process started: lets a test prove a login
// for a missing user does exactly the work of one for a real user.
uint64_t password_hash_count();
std::string random_hex(size_t bytes);

class ConsoleDb {
 public:
  explicit ConsoleDb(const std::filesystem::path& path);

  // Creates the admin user with a random password when no user exists;
  // returns that password once (the caller writes it 0600).
  std::optional<std::string> bootstrap_admin(int64_t now_ms);

  // Returns the principal when the password matches (Principal::disabled
  // tells a disabled account). Exactly one PBKDF2 computation whether or not
  // the user exists, so login timing does not tell user names apart.
  std::optional<Principal> check_password(const std::string& user, const std::string& password);
  std::string create_user(const std::string& user, Role role, int64_t now_ms);  // returns one-time password
  bool set_password(const std::string& user, const std::string& password);
  struct UserRow {
    std::string username;
    Role role;
    bool must_change_password;
    bool disabled = false;
  };
  std::vector<UserRow> users();
  // false when there is no such user.
  bool set_role(const std::string& user, Role role);
  bool set_disabled(const std::string& user, bool disabled);

  std::pair<std::string, std::string> create_session(const Principal& p, int64_t now_ms);  // id, csrf
  // Only sessions of enabled users count.
  std::optional<Principal> session(const std::string& id, int64_t now_ms);
  void end_session(const std::string& id);
  // Ends every session of the user but keep_session_id (empty: all); returns how many ended.
  int end_sessions_of(const std::string& user, const std::string& keep_session_id = {});

  ApiTokenIssued create_api_token(const std::string& user, int64_t now_ms, int64_t ttl_ms,
                                  const std::string& created_by = {});
  // The caller when the token is known, not revoked, not expired and its user enabled.
  std::optional<Principal> api_token(const std::string& secret, int64_t now_ms);
  std::vector<ApiTokenRecord> api_tokens();
  std::optional<ApiTokenRecord> api_token_record(const std::string& id);
  // false when there is no such token or it was revoked already.
  bool revoke_api_token(const std::string& id, int64_t now_ms, const std::string& reason);
  // Revokes every live token of the user; returns how many.
  int revoke_api_tokens_of(const std::string& user, int64_t now_ms, const std::string& reason);

  // Returns the row id (for audit_repeat).
  int64_t audit(int64_t now_ms, const std::string& actor, const std::string& action, const std::string& target,
                const std::string& peer, const std::string& detail = {});
  // Counts one more identical event in an existing row (the only change the
  // audit table's trigger allows: repeats may grow, nothing else may change).
  void audit_repeat(int64_t id);
  std::vector<AuditEntry> audit_log(size_t limit);

  CaseRecord create_case(const std::string& device_id, const std::string& title, const std::string& created_by,
                         int64_t now_ms);
  std::optional<CaseRecord> get_case(int64_t id);
  // status empty: every case. Newest first, without notes.
  std::vector<CaseRecord> cases(const std::string& status = {}, const std::string& device_id = {});
  // Sets the non-empty fields; returns the case after the change, nullopt when unknown.
  std::optional<CaseRecord> update_case(int64_t id, const std::string& status, const std::optional<std::string>& owner,
                                        int64_t now_ms);
  bool add_case_note(int64_t id, const std::string& author, const std::string& text, int64_t now_ms);
  std::map<std::string, int64_t> case_counts();  // by status

  // Single sign-on (console_sso_db.cpp, table sso_identities): the console
  // user an identity provider's (issuer, subject) signs in as, made on its
  // first sign-in with a name from the token and given the role the token
  // maps to on every sign-in. A local user of the same name is never taken
  // over: that is a refusal (`refusal` says why in plain words).
  struct SsoSignIn {
    std::optional<Principal> principal;
    std::string refusal;
    bool created = false;
  };
  SsoSignIn sso_sign_in(const std::string& issuer, const std::string& subject, const std::string& preferred_name,
                        Role role, int64_t now_ms);
  // Users that sign in through the identity provider (for the user list).
  std::map<std::string, std::string> sso_users();  // username → issuer

  // What a case page shows besides notes (console_case_db.cpp; tables
  // case_history, case_evidence, case_devices, append-only by trigger):
  // who changed what when, the device's grouped evidence as it was when
  // pinned, and the laptops a case covers besides its first (a cluster).
  struct CaseChange {
    int64_t unix_ms = 0;
    std::string actor, field, before, after;  // field: opened, status, owner, evidence
  };
  void add_case_change(int64_t case_id, const std::string& actor, const std::string& field, const std::string& before,
                       const std::string& after, int64_t now_ms);
  std::vector<CaseChange> case_history(int64_t case_id);
  struct PinnedEvidence {
    int64_t unix_ms = 0;
    std::string pinned_by, device_id, json;  // json: the pinned verdict, why and groups
  };
  void pin_case_evidence(int64_t case_id, const std::string& device_id, const std::string& pinned_by,
                         const std::string& json, int64_t now_ms);
  std::vector<PinnedEvidence> case_evidence(int64_t case_id);
  void add_case_devices(int64_t case_id, const std::vector<std::string>& device_ids, const std::string& cluster_id);
  // Every laptop the case covers, its first device first; and the cluster it was opened for ("" if none).
  std::vector<std::string> case_devices(int64_t case_id, const std::string& first_device);
  std::string case_cluster(int64_t case_id);
  // Cases that cover the device as a cluster member (not as their first device).
  std::vector<int64_t> cases_covering(const std::string& device_id);

  sqlite::Database& raw() { return db_; }

 private:
  void migrate();
  std::mutex mu_;
  sqlite::Database db_;
  std::string dummy_hash_;  // what a login for a missing user is checked against
};

}  // namespace telltale::server::console
