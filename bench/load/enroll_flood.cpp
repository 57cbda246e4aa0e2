// A legitimate enrollment's latency with the collector idle and while 16
// threads flood it with forged tokens (right address and CA pin, random
// secret: the cheapest attack that looks well-formed), measured in one run
// against the real collector binary on loopback. Figures in
// docs/PERFORMANCE.md ("Enrollment under a forged-token flood").
//
//   telltale-enroll-flood BUILD_DIR [ROUNDS=30] [THREADS=16]
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "agent/enroll/device_key.h"
#include "platform/common/enrollment_token.h"
#include "telltale/v1/enrollment.grpc.pb.h"

namespace v1 = telltale::v1;
using Clock = std::chrono::steady_clock;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string run_out(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  char buf[4096];
  while (f && fgets(buf, sizeof buf, f)) out += buf;
  if (f) ::pclose(f);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

uint64_t cpu_ticks(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return utime + stime;
}

std::shared_ptr<grpc::Channel> channel(const std::string& address, const std::string& ca_pem) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ca_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("telltale-collector");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(tls), args);
}

// One enrollment as an agent makes it: fresh key and CSR, fresh connection.
double legit_ms(const std::string& address, const std::string& ca_pem, const std::string& token, bool* ok) {
  const auto start = Clock::now();
  auto key = telltale::agent::make_key_and_csr("bench-laptop");
  v1::EnrollRequest req;
  req.set_token(token);
  req.set_csr_pem(key.csr_pem);
  req.mutable_identity()->set_hostname("bench-laptop");
  req.mutable_identity()->set_product_serial("BENCH" + std::to_string(std::random_device{}()));
  auto stub = v1::Enrollment::NewStub(channel(address, ca_pem));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::EnrollResponse resp;
  *ok = stub->Enroll(&ctx, req, &resp).ok();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: telltale-enroll-flood BUILD_DIR [ROUNDS] [THREADS]\n";
    return 2;
  }
  const std::filesystem::path build = argv[1];
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 30;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 16;
  const auto dir = std::filesystem::temp_directory_path() / ("enroll-flood-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string collector = (build / "server/telltale-collector").string();
  const std::string ctl = (build / "server/telltale-ctl").string();

  pid_t pid = ::fork();
  if (pid == 0) {
    const std::string log = (dir / "collector.log").string();
    if (!std::freopen(log.c_str(), "w", stdout) || !std::freopen(log.c_str(), "a", stderr)) ::_exit(126);
    ::execl(collector.c_str(), "telltale-collector", "--data-dir", dir.c_str(), "--listen", "127.0.0.1:0",
            "--log-level", "warn", nullptr);
    ::_exit(127);
  }
  for (int i = 0; i < 200 && !std::filesystem::exists(dir / "listen_address"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::string address = slurp(dir / "listen_address");
  address.erase(address.find('\n'));
  const std::string ca_pem = slurp(dir / "ca.crt");
  const std::string token =
      run_out(ctl + " --data-dir " + dir.string() + " token create --uses 100000 --ttl 1h");
  std::string error;
  auto forged = *telltale::parse_enrollment_token(token, &error);

  auto measure = [&](const char* phase) {
    std::vector<double> ms;
    int failed = 0;
    for (int i = 0; i < rounds; ++i) {
      bool ok = false;
      ms.push_back(legit_ms(address, ca_pem, token, &ok));
      failed += !ok;
    }
    std::cout << phase << ": " << rounds << " legitimate enrollments, median " << pct(ms, 0.5) << " ms, p95 "
              << pct(ms, 0.95) << " ms, failed " << failed << "\n";
    return pct(ms, 0.5);
  };
  // Warm-up (first TLS handshake, first sqlite pages).
  bool ok = false;
  legit_ms(address, ca_pem, token, &ok);
  const double idle = measure("idle");

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::mutex codes_mu;
  std::map<int, uint64_t> codes;
  const std::string csr = telltale::agent::make_key_and_csr("forger").csr_pem;
  std::vector<std::thread> flood;
  for (int t = 0; t < threads; ++t)
    flood.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      auto stub = v1::Enrollment::NewStub(channel(address, ca_pem));
      std::map<int, uint64_t> mine;
      while (!stop) {
        auto tok = forged;
        char hex[65];
        for (int i = 0; i < 64; ++i) hex[i] = "0123456789abcdef"[rng() % 16];
        tok.secret.assign(hex, 64);
        v1::EnrollRequest req;
        req.set_token(tok.encode());
        req.set_csr_pem(csr);
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        v1::EnrollResponse resp;
        ++mine[stub->Enroll(&ctx, req, &resp).error_code()];
        ++sent;
      }
      std::lock_guard lock(codes_mu);
      for (auto [c, n] : mine) codes[c] += n;
    });
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the flood at full speed
  const uint64_t cpu0 = cpu_ticks(pid), sent0 = sent;
  const auto t0 = Clock::now();
  const double flooded = measure("flood");
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const uint64_t cpu1 = cpu_ticks(pid), sent1 = sent;
  stop = true;
  for (auto& t : flood) t.join();
  std::cout << "flood: " << threads << " threads, " << static_cast<uint64_t>((sent1 - sent0) / secs)
            << " forged enrollments/s, collector CPU "
            << 100.0 * static_cast<double>(cpu1 - cpu0) / static_cast<double>(sysconf(_SC_CLK_TCK)) / secs
            << "% of one core; status codes:";
  for (auto [c, n] : codes) std::cout << " " << c << "=" << n;
  std::cout << "\nratio flood/idle median: " << flooded / idle << "\n";
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  return 0;
}
