#pragma once
// What an enrolled agent keeps in its state dir (private: mode 0700, or on
// Windows a DACL of SYSTEM and Administrators only; platform/common/private_dir.h):
//   device.key   EC P-256 private key, 0600, never leaves the laptop
//   device.crt   client certificate signed by the collector CA (CN = device id)
//   ca.crt       the collector CA, accepted only after its SPKI pin matched the token
//   identity.toml  device_id and collector address
//   spool.db     reports not yet acknowledged
#include <filesystem>
#include <optional>
#include <string>

namespace telltale::agent {

struct AgentIdentity {
  std::string device_id;
  std::string collector;  // host:port
  std::string key_pem;
  std::string cert_pem;
  std::string ca_pem;
};

struct StatePaths {
  std::filesystem::path dir;
  std::filesystem::path key() const { return dir / "device.key"; }
  std::filesystem::path cert() const { return dir / "device.crt"; }
  std::filesystem::path ca() const { return dir / "ca.crt"; }
  std::filesystem::path identity() const { return dir / "identity.toml"; }
  std::filesystem::path spool() const { return dir / "spool.db"; }
  std::filesystem::path pushed_config() const { return dir / "collector-config.pb"; }
};

// Creates the state dir if missing and makes it private (make_private_dir);
// throws with the path and reason.
void ensure_state_dir(const StatePaths& paths);

bool is_enrolled(const StatePaths& paths);

// Loads the identity; throws std::runtime_error naming the missing or
// unreadable file ("… not enrolled: run telltale-agent enroll").
AgentIdentity load_identity(const StatePaths& paths);

// Writes key (0600) first, then certificate, CA and identity.toml last: a
// crash midway leaves no identity.toml, so the agent is "not enrolled" and
// enrolls again instead of running with half an identity.
void save_identity(const StatePaths& paths, const AgentIdentity& identity);

}  // namespace telltale::agent
