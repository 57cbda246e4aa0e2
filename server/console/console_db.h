#pragma once
// The console's own data in data_dir/console.db: users, sessions, API tokens
// and the append-only audit log. Collector data stays in server::Store.
#include <cstdint>
#include <filesystem>
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
};

struct AuditEntry {
  int64_t id = 0;
  int64_t unix_ms = 0;
  std::string actor;
  std::string action;
  std::string target;
  std::string peer;
  std::string detail;
};

// PBKDF2-HMAC-SHA256 with a per-user 16-byte salt, encoded "pbkdf2-sha256$iter$salt$hash".
std::string hash_password(std::string_view password, int iterations = 210000);
bool verify_password(std::string_view password, const std::string& encoded);
std::string random_hex(size_t bytes);

class ConsoleDb {
 public:
  explicit ConsoleDb(const std::filesystem::path& path);

  // Creates the admin user with a random password when no user exists;
  // returns that password once (the caller writes it 0600).
  std::optional<std::string> bootstrap_admin(int64_t now_ms);

  // Returns the principal when the password matches.
  std::optional<Principal> check_password(const std::string& user, const std::string& password);
  std::string create_user(const std::string& user, Role role, int64_t now_ms);  // returns one-time password
  bool set_password(const std::string& user, const std::string& password);
  struct UserRow {
    std::string username;
    Role role;
    bool must_change_password;
  };
  std::vector<UserRow> users();

  std::pair<std::string, std::string> create_session(const Principal& p, int64_t now_ms);  // id, csrf
  std::optional<Principal> session(const std::string& id, int64_t now_ms);
  void end_session(const std::string& id);

  std::string create_api_token(const std::string& user, int64_t now_ms);  // returns the secret once
  std::optional<Principal> api_token(const std::string& secret);

  void audit(int64_t now_ms, const std::string& actor, const std::string& action, const std::string& target,
             const std::string& peer, const std::string& detail = {});
  std::vector<AuditEntry> audit_log(size_t limit);
  sqlite::Database& raw() { return db_; }

 private:
  std::mutex mu_;
  sqlite::Database db_;
};

}  // namespace telltale::server::console
