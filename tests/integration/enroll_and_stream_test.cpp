// The walking skeleton end to end, with real processes on loopback:
// token → enroll → stream → ack → `telltale-ctl devices` shows the device.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>
#include <thread>

#include "integration/agent_process.h"
#include "integration/store_reads.h"

namespace telltale::testing {
namespace {


TEST(EnrollAndStream, NewLaptopEnrollsStreamsAndIsListedWithItsSnapshot) {
  CollectorProcess collector;
  AgentProcess agent;
  auto enrolled = agent.enroll(collector.token());
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
  EXPECT_NE(enrolled.out.find("enrolled as dev-"), std::string::npos) << enrolled.out;
  const std::string device = agent.device_id();
  ASSERT_FALSE(device.empty());

  struct stat st {};
  ASSERT_EQ(stat((agent.state_dir() / "device.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the device key must be readable by its owner only";
  ASSERT_EQ(stat((collector.data_dir() / "ca.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  agent.start(fixture("pikvm-laptop"));
  ASSERT_TRUE(eventually(
      [&] {
        auto r = collector.ctl({"devices", "--format", "json"});
        return r.out.find(device) != std::string::npos && r.out.find("\"reports\":\"0\"") == std::string::npos;
      },
      std::chrono::seconds(30)))
      << agent.process().log_text() << collector.process().log_text();

  auto table = collector.ctl({"devices"});
  EXPECT_NE(table.out.find(device), std::string::npos);
  auto csv = collector.ctl({"devices", "--format", "csv"});
  EXPECT_EQ(csv.out.rfind("device,hostname,", 0), 0u) << csv.out;

  auto shown = collector.ctl({"show", device});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("\"hardware\""), std::string::npos);
  EXPECT_NE(shown.out.find("\"agentVersion\""), std::string::npos) << "canonical protobuf JSON uses lowerCamelCase";

  // Acked reports leave the spool; the heartbeat measured a round trip.
  agent.stop();
  EXPECT_NE(agent.process().log_text().find("event=agent_stopped"), std::string::npos);
  auto seqs = stored_seqs(collector.data_dir(), device);
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(std::set<uint64_t>(seqs.begin(), seqs.end()).size(), seqs.size());
}

TEST(EnrollAndStream, TokenBeyondItsUsesIsRefused) {
  CollectorProcess collector;
  const auto token = collector.token(1);
  AgentProcess first, second;
  ASSERT_EQ(first.enroll(token).exit_code, 0);
  auto refused = second.enroll(token);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("no uses left"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(second.state_dir() / "identity.toml"));
}

TEST(EnrollAndStream, ExpiredTokenIsRefused) {
  CollectorProcess collector;
  const auto token = collector.token(5, "1s");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  AgentProcess agent;
  auto refused = agent.enroll(token);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("expired"), std::string::npos) << refused.err;
}

TEST(EnrollAndStream, WrongAndMalformedTokensGetClearErrors) {
  CollectorProcess collector;
  AgentProcess agent;
  auto garbage = agent.enroll("hello");
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("does not start with \"TT1.\""), std::string::npos) << garbage.err;

  // Right format, right collector, unknown secret.
  std::string token = collector.token();
  token.replace(token.size() - 8, 8, "00000000");
  auto unknown = agent.enroll(token);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("unknown token"), std::string::npos) << unknown.err;
}

TEST(EnrollAndStream, TokenOfAnotherCollectorFailsThePinCheck) {
  CollectorProcess real, impostor;
  // A token whose pin is the real collector's but whose address leads to the impostor.
  auto token = real.token();
  auto impostor_token = impostor.token();
  auto tail_real = token.substr(token.find('.', 4));
  auto head_impostor = impostor_token.substr(0, impostor_token.find('.', 4));
  AgentProcess agent;
  auto r = agent.enroll(head_impostor + tail_real);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("none matches the token's CA pin"), std::string::npos) << r.err;
}

TEST(EnrollAndStream, SecondEnrollmentOfTheSameHardwareIsVisible) {
  CollectorProcess collector;
  AgentProcess first, again;
  ASSERT_EQ(first.enroll(collector.token()).exit_code, 0);
  auto second = again.enroll(collector.token());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("this hardware was enrolled before as " + first.device_id()), std::string::npos)
      << second.out;
  auto devices = collector.ctl({"devices", "--format", "csv"});
  EXPECT_NE(devices.out.find(first.device_id()), std::string::npos);
  EXPECT_NE(devices.out.find(again.device_id()), std::string::npos) << "re-enrollment is a new device, not a merge";
}

TEST(EnrollAndStream, AlreadyEnrolledAgentRefusesToEnrollAgainWithoutForce) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  auto again = agent.enroll(collector.token());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already enrolled"), std::string::npos);
  EXPECT_EQ(agent.enroll(collector.token(), {"--force"}).exit_code, 0);
}

}  // namespace
}  // namespace telltale::testing
