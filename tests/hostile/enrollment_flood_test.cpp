// Finding 5 of the hardening review: forged enrollments were expensive (the
// CSR was parsed and checked before the token lookup), so a flood of
// well-formed tokens with random secrets took a core and made a real
// enrollment ~9x slower. Now the token is looked up first and failures are
// rate-limited per address: the flood is refused (PERMISSION_DENIED, then
// RESOURCE_EXHAUSTED beyond the address's budget, logged) while a laptop
// with a valid token still enrolls.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <map>
#include <random>
#include <thread>

#include "agent/enroll/device_key.h"
#include "hostile/live_client.h"
#include "platform/common/enrollment_token.h"
#include "telltale/v1/enrollment.grpc.pb.h"

namespace telltale::testing {
namespace {
namespace v1 = telltale::v1;
using namespace std::chrono_literals;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

TEST(EnrollmentFlood, ForgedTokensFrom16Threads_AreRefusedAndThrottled_LegitimateEnrollmentsStillSucceed) {
  CollectorProcess collector({"--console", "127.0.0.1:0"});
  const std::string port = collector.console_port();
  ASSERT_FALSE(port.empty());
  TempDir scratch;
  int next = 0;
  // Tokens are made before the laptops enroll, as an admin hands them to MDM.
  std::vector<std::string> tokens;
  for (int i = 0; i < 10; ++i) tokens.push_back(collector.token());
  auto legit = [&](std::vector<double>& ms) {
    auto token = tokens.at(next);
    auto dir = scratch.path() / ("s" + std::to_string(next++));
    std::filesystem::create_directories(dir);
    const auto start = std::chrono::steady_clock::now();
    try {
      enroll_in_process(token, dir);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    return std::string();
  };
  std::vector<double> idle, flooded;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(legit(idle), "");

  std::string error;
  const auto real = *parse_enrollment_token(collector.token(), &error);
  const std::string ca_pem = [&] {
    std::ifstream in(collector.data_dir() / "ca.crt");
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }();
  const std::string csr = agent::make_key_and_csr("forger").csr_pem;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<grpc::StatusCode, uint64_t> codes;
  std::vector<std::thread> flood;
  for (int t = 0; t < 16; ++t)
    flood.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      auto stub = v1::Enrollment::NewStub(mtls_channel(collector.address(), ca_pem, "", ""));
      std::map<grpc::StatusCode, uint64_t> mine;
      while (!stop) {
        auto forged = real;
        forged.secret.clear();
        for (int i = 0; i < 64; ++i) forged.secret += "0123456789abcdef"[rng() % 16];
        v1::EnrollRequest req;
        req.set_token(forged.encode());
        req.set_csr_pem(csr);
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + 30s);
        v1::EnrollResponse resp;
        ++mine[stub->Enroll(&ctx, req, &resp).error_code()];
      }
      std::lock_guard lock(mu);
      for (auto [c, n] : mine) codes[c] += n;
    });
  std::this_thread::sleep_for(1s);
  std::vector<std::string> failures;
  for (int i = 0; i < 5; ++i)
    if (auto e = legit(flooded); !e.empty()) failures.push_back(e);
  stop = true;
  for (auto& t : flood) t.join();

  EXPECT_TRUE(failures.empty()) << failures.front();
  uint64_t total = 0;
  for (auto [c, n] : codes) total += n;
  EXPECT_GT(codes[grpc::StatusCode::RESOURCE_EXHAUSTED], 0u) << "the address's failure budget ran out";
  EXPECT_GT(codes[grpc::StatusCode::PERMISSION_DENIED], 0u) << "failures within the budget say why";
  EXPECT_EQ(codes[grpc::StatusCode::RESOURCE_EXHAUSTED] + codes[grpc::StatusCode::PERMISSION_DENIED], total)
      << "no forged enrollment got anything but a refusal";
  const auto log = collector.process().log_text();
  EXPECT_NE(log.find("event=enroll_throttled address=127.0.0.1 refused_in_row=1 "), std::string::npos) << log;
  const auto metrics = run({"/usr/bin/curl", "-sk", "https://127.0.0.1:" + port + "/metrics"}).out;
  EXPECT_NE(metrics.find("telltale_enrollments_throttled_total " +
                         std::to_string(codes[grpc::StatusCode::RESOURCE_EXHAUSTED]) + "\n"),
            std::string::npos)
      << metrics;
  std::cout << "[ measured ] " << total << " forged enrollments (" << codes[grpc::StatusCode::PERMISSION_DENIED]
            << " PERMISSION_DENIED, " << codes[grpc::StatusCode::RESOURCE_EXHAUSTED]
            << " RESOURCE_EXHAUSTED); legitimate enrollment median idle " << median(idle) << " ms, under flood "
            << median(flooded) << " ms\n";
}

}  // namespace
}  // namespace telltale::testing
