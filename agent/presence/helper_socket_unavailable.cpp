// HelperSocket where the session helper's transport does not exist yet
// (Windows: a named pipe with the same line protocol is the plan, see
// docs/ARCHITECTURE.md "Presence check"). start() refuses with the reason,
// which the daemon logs as presence_socket_unavailable; checks then answer
// "no session" through the daemon's NoHelperPrompter, never hang.
#include <stdexcept>

#include "agent/presence/helper_socket.h"

namespace telltale::agent {

HelperSocket::HelperSocket(std::filesystem::path path, std::function<std::vector<platform::UserSession>()> sessions)
    : path_(std::move(path)), sessions_(std::move(sessions)) {}

HelperSocket::~HelperSocket() = default;

void HelperSocket::start() {
  throw std::runtime_error("presence helper socket " + path_.string() +
                           ": not available on this operating system yet (the session helper needs a named pipe)");
}

PromptReport HelperSocket::prompt(const telltale::v1::PresenceRequest&) { return {}; }

bool HelperSocket::helper_connected() { return false; }

void HelperSocket::accept_loop() {}

std::optional<platform::UserSession> HelperSocket::active_graphical_session(std::optional<uint32_t>) {
  return std::nullopt;
}

}  // namespace telltale::agent
