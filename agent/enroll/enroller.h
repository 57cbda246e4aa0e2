#pragma once
#include <chrono>
#include <string>

#include "agent/enroll/agent_state.h"
#include "platform/probe.h"

namespace telltale::agent {

struct EnrollOptions {
  std::string token;
  StatePaths paths;
  std::filesystem::path root = "/";  // where the hardware identity is read
  std::chrono::seconds timeout{30};
  bool force = false;  // enroll again although an identity exists
};

struct EnrollOutcome {
  AgentIdentity identity;
  std::vector<std::string> previous_device_ids;
};

// Token → pinned CA → key + CSR → Enrollment.Enroll → identity saved.
// Throws std::runtime_error with a message fit for the admin.
EnrollOutcome enroll(const EnrollOptions& options);

}  // namespace telltale::agent
