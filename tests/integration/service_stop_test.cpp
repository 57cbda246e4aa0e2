// A Windows service stop reaches the agent as a std::stop_token, not a
// signal: the same daemon loop and zero-touch waits must end on it. Run here
// in-process against a real collector (the service host itself is Windows-only).
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "agent/daemon/daemon.h"
#include "agent/enroll/zero_touch.h"
#include "integration/agent_process.h"
#include "integration/store_reads.h"

namespace telltale::testing {
namespace {

using namespace std::chrono_literals;

TEST(ServiceStop, StopTokenEndsTheDaemonAfterItStreamed) {
  CollectorProcess collector;
  AgentProcess enrolled;
  ASSERT_EQ(enrolled.enroll(collector.token()).exit_code, 0);
  agent::DaemonOptions opts;
  opts.paths = {enrolled.state_dir()};
  opts.root = fixture("clean-laptop");
  opts.collect_interval = 3600s;  // one collection at start, then idle like a real service
  opts.heartbeat_interval = 1s;
  opts.trim_after = 0s;
  std::stop_source service;
  auto daemon = std::async(std::launch::async, [&] { return agent::run_daemon(opts, service.get_token()); });
  ASSERT_TRUE(eventually([&] { return !stored_seqs(collector.data_dir(), enrolled.device_id()).empty(); }, 30s))
      << collector.process().log_text();
  const auto asked = std::chrono::steady_clock::now();
  service.request_stop();
  ASSERT_EQ(daemon.wait_for(60s), std::future_status::ready) << "the daemon ignored the service stop";
  EXPECT_EQ(daemon.get(), 0);
  // Far below the hour-long collection interval it was waiting in.
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 30s);
}

TEST(ServiceStop, StopTokenEndsZeroTouchEnrollmentWaitingForAnUnreachableCollector) {
  CollectorProcess collector;
  const auto token = collector.token();
  collector.kill9();
  TempDir state;
  agent::ZeroTouchOptions zt;
  zt.enroll.token = token;
  zt.enroll.paths = {state.path()};
  zt.enroll.root = fixture("clean-laptop");
  zt.enroll.timeout = 2s;
  zt.backoff_base = 60000ms;  // the wait after the first failure is a minute
  zt.backoff_cap = 60000ms;
  std::stop_source service;
  zt.stop = service.get_token();
  auto waiting = std::async(std::launch::async, [&] { return agent::enroll_until_done(zt); });
  std::this_thread::sleep_for(500ms);
  const auto asked = std::chrono::steady_clock::now();
  service.request_stop();
  ASSERT_EQ(waiting.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(waiting.get(), agent::ZeroTouchResult::kStopped);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 30s) << "it slept out the minute of backoff";
  EXPECT_FALSE(agent::is_enrolled(zt.enroll.paths));
}

}  // namespace
}  // namespace telltale::testing
