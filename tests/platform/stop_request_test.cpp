// The agent's wait for a stop request while it enrolls: the same POSIX code
// on Linux and macOS (sigpending + sigwait; macOS has no sigtimedwait).
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include "platform/common/stop_request.h"

namespace telltale {
namespace {

using namespace std::chrono_literals;

TEST(StopRequest, SigtermWhileWaitingToEnroll_EndsTheWaitAndIsConsumed) {
  hold_stop_requests();
  std::thread sender([] {
    std::this_thread::sleep_for(200ms);
    ::kill(::getpid(), SIGTERM);
  });
  // An hour's wait ends at the signal; a lost signal would hang the test until ctest's timeout.
  EXPECT_TRUE(sleep_unless_stopped(std::chrono::hours(1)));
  sender.join();
  sigset_t pending;
  sigemptyset(&pending);
  ASSERT_EQ(sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGTERM), 0) << "the request was taken, not left to kill the process later";
  release_stop_requests();
}

TEST(StopRequest, NoRequest_WaitsItsTimeAndSaysSo) {
  hold_stop_requests();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(sleep_unless_stopped(250ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  release_stop_requests();
}

TEST(StopRequest, StopTokenEndsTheWait) {
  std::stop_source source;
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    source.request_stop();
  });
  EXPECT_TRUE(sleep_unless_stopped(std::chrono::hours(1), source.get_token()));
  stopper.join();
}

}  // namespace
}  // namespace telltale
