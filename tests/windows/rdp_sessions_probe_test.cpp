// Remote Desktop sessions from WTS session lists recorded on Windows
// machines, and the live call (a stub under Wine).
#include <gtest/gtest.h>

#include "platform/windows/rdp_sessions.h"

namespace {

using namespace telltale::platform::windows_probe;

class RecordedSessions final : public SessionSource {
 public:
  std::vector<WtsSession> list;
  std::string fail;
  std::vector<WtsSession> sessions(std::string& error) override {
    error = fail;
    return list;
  }
};

// Session 0 (services) and the console are always there.
std::vector<WtsSession> base() { return {{0, "Services", false, 0, ""}, {1, "Console", true, 0, ""}}; }

TEST(WindowsRdpSessionsProbe, ActiveRdpSessionFromAfar_IsAConnectedRemoteToolWithTheClientAddress) {
  RecordedSessions src;
  src.list = base();
  src.list[1].active = false;  // Windows disconnects the console when an RDP user takes over
  src.list.push_back({3, "RDP-Tcp#7", true, 2, "203.0.113.7"});
  telltale::v1::Snapshot s;
  RdpSessionsProbe(src).collect({}, s);
  ASSERT_EQ(s.remote_access_size(), 1);
  const auto& t = s.remote_access(0);
  EXPECT_EQ(t.tool_id(), "remote.windows_rdp");
  EXPECT_TRUE(t.connected());
  ASSERT_EQ(t.peers_size(), 1);
  EXPECT_EQ(t.peers(0).remote_address(), "203.0.113.7");
  EXPECT_EQ(s.errors_size(), 0);
}

TEST(WindowsRdpSessionsProbe, ConsoleOnlyAndADisconnectedRdpSession_SayNothing) {
  RecordedSessions src;
  src.list = base();
  src.list.push_back({2, "", false, 2, "198.51.100.4"});  // left without logging off
  telltale::v1::Snapshot s;
  RdpSessionsProbe(src).collect({}, s);
  EXPECT_EQ(s.remote_access_size(), 0);
}

TEST(WindowsRdpSessionsProbe, TwoRdpSessions_AreOneToolWithTwoPeers) {
  RecordedSessions src;
  src.list = base();
  src.list.push_back({3, "RDP-Tcp#7", true, 2, "203.0.113.7"});
  src.list.push_back({4, "RDP-Tcp#8", true, 2, "2001:db8::5"});
  telltale::v1::Snapshot s;
  RdpSessionsProbe(src).collect({}, s);
  ASSERT_EQ(s.remote_access_size(), 1);
  EXPECT_EQ(s.remote_access(0).peers_size(), 2);
}

TEST(WindowsRdpSessionsProbe, EnumerationFailure_IsReported) {
  RecordedSessions src;
  src.fail = "WTSEnumerateSessions: Access is denied. (5)";
  telltale::v1::Snapshot s;
  RdpSessionsProbe(src).collect({}, s);
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).probe(), "rdp_sessions");
}

TEST(WindowsRdpSessionsProbe, LiveWineStub_ReportsNoRdpSessionAndDoesNotThrow) {
  SystemSessions live;
  telltale::v1::Snapshot s;
  EXPECT_NO_THROW(RdpSessionsProbe(live).collect({}, s));
  EXPECT_EQ(s.remote_access_size(), 0);
  for (const auto& e : s.errors()) EXPECT_EQ(e.path(), "WTSEnumerateSessions") << e.message();
}

}  // namespace
