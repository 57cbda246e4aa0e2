#pragma once
// Remote Desktop sessions on this machine (WTSEnumerateSessions with each
// session's protocol and client address): someone driving the laptop over
// RDP shows as a connected "remote.windows_rdp" remote-access entry with the
// client's address as its peer. The console session and disconnected
// sessions say nothing about who is driving now.
#include <cstdint>
#include <string>
#include <vector>

#include "platform/probe.h"

namespace telltale::platform::windows_probe {

struct WtsSession {
  uint32_t id = 0;
  std::string station;         // WinStation name, "Console", "RDP-Tcp#3"
  bool active = false;         // WTSActive: a user is attached and the session is live
  uint16_t protocol = 0;       // WTS_PROTOCOL_TYPE_CONSOLE 0, _ICA 1, _RDP 2
  std::string client_address;  // "203.0.113.7" for RDP clients, "" otherwise
};

// Behind an interface: WTSEnumerateSessions is a stub under Wine (no
// sessions), so tests feed sessions recorded on Windows machines.
class SessionSource {
 public:
  virtual ~SessionSource() = default;
  virtual std::vector<WtsSession> sessions(std::string& error) = 0;
};

class SystemSessions final : public SessionSource {
 public:
  std::vector<WtsSession> sessions(std::string& error) override;
};

class RdpSessionsProbe final : public Probe {
 public:
  explicit RdpSessionsProbe(SessionSource& source) : source_(source) {}
  std::string_view name() const override { return "rdp_sessions"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;

 private:
  SessionSource& source_;
};

}  // namespace telltale::platform::windows_probe
