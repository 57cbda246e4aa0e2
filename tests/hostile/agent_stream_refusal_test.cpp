// The agent's side of finding 4: when the collector ends a stream with
// INVALID_ARGUMENT (a frame it cannot parse), the agent says so in its log,
// keeps every unacknowledged report in its spool, and backs off instead of
// re-sending the same frame in a silent tight loop. The poison here is a
// Hello whose agent_version is not UTF-8: protobuf serialises it (with a
// warning) and the collector's parser refuses it, as it would a spool row
// with a bad string.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

#include "agent/spool/spool.h"
#include "agent/transport/transport.h"
#include "hostile/live_client.h"
#include "support/log_capture.h"

namespace telltale::testing {
namespace {
using namespace std::chrono_literals;

using telltale::testing::LogCapture;

TEST(AgentStreamRefusal, CollectorRefusesAFrameAsInvalidArgument_AgentLogsItKeepsItsSpoolAndBacksOff) {
  CollectorProcess collector;
  TempDir state;
  auto id = enroll_in_process(collector.token(), state.path());
  LogCapture log;
  agent::Spool spool(state.path() / "spool.db", {});
  telltale::v1::Report report;
  *report.mutable_snapshot() = small_snapshot();
  spool.append(report);

  agent::TransportOptions o;
  o.address = collector.address();
  o.ca_pem = id.ca_pem;
  o.key_pem = id.key_pem;
  o.cert_pem = id.cert_pem;
  o.agent_version = "1.0\xff\xfe";  // not UTF-8: the collector cannot parse the Hello
  o.backoff_base = 20ms;
  o.backoff_cap = 400ms;
  agent::Transport transport(o, spool, {});
  std::thread runner([&] { transport.run(); });
  const bool refused_thrice = eventually([&] { return transport.streams_refused_invalid() >= 3; }, 30s);
  transport.stop();
  runner.join();

  ASSERT_TRUE(refused_thrice) << log.text() << collector.process().log_text();
  EXPECT_EQ(spool.stats().depth, 1u) << "nothing acknowledged, nothing dropped";
  EXPECT_EQ(transport.acknowledged(), 0u);
  const auto text = log.text();
  EXPECT_NE(text.find("event=stream_refused code=INVALID_ARGUMENT detail=\"frame of "), std::string::npos) << text;
  EXPECT_NE(text.find("refusals=3 action=keep_spool retry_in_ms="), std::string::npos) << text;
  EXPECT_NE(collector.process().log_text().find("event=stream_refused device=" + id.device_id), std::string::npos);
}

}  // namespace
}  // namespace telltale::testing
