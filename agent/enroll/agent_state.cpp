#include "agent/enroll/agent_state.h"

#include <toml++/toml.h>

#include <sstream>
#include <stdexcept>

#include "platform/common/file.h"
#include "platform/common/private_dir.h"

namespace telltale::agent {

void ensure_state_dir(const StatePaths& paths) { make_private_dir(paths.dir); }

bool is_enrolled(const StatePaths& paths) { return std::filesystem::exists(paths.identity()); }

AgentIdentity load_identity(const StatePaths& paths) {
  if (!std::filesystem::exists(paths.dir))
    throw std::runtime_error("state dir " + paths.dir.string() + " does not exist: run telltale-agent enroll first");
  if (!is_enrolled(paths))
    throw std::runtime_error("not enrolled (no " + paths.identity().string() + "): run telltale-agent enroll first");
  auto read = [](const std::filesystem::path& p) {
    auto r = read_file(p, 64 * 1024);
    if (!r.data) throw std::runtime_error(p.string() + ": " + r.error);
    return *r.data;
  };
  AgentIdentity id;
  try {
    auto table = toml::parse_file(paths.identity().string());
    id.device_id = table["device_id"].value_or(std::string());
    id.collector = table["collector"].value_or(std::string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(paths.identity().string() + ": " + std::string(e.description()));
  }
  if (id.device_id.empty() || id.collector.empty())
    throw std::runtime_error(paths.identity().string() + ": device_id or collector missing");
  id.key_pem = read(paths.key());
  id.cert_pem = read(paths.cert());
  id.ca_pem = read(paths.ca());
  return id;
}

void save_identity(const StatePaths& paths, const AgentIdentity& id) {
  write_file_atomic(paths.key(), id.key_pem, 0600);
  write_file_atomic(paths.cert(), id.cert_pem, 0644);
  write_file_atomic(paths.ca(), id.ca_pem, 0644);
  toml::table table{{"device_id", id.device_id}, {"collector", id.collector}};
  std::ostringstream out;
  out << "# Written by telltale-agent enroll. Delete this directory to enroll anew.\n" << table << "\n";
  write_file_atomic(paths.identity(), out.str(), 0644);
}

}  // namespace telltale::agent
