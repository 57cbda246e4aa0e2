// telltale-load: N simulated agents, each with its own key, certificate and
// mTLS connection, streaming fixture-laptop snapshots to a collector (or to
// the do-nothing reference server) and timing every Ack.
//
//   telltale-load enroll --token T --count N --out DIR [--parallel 32]
//       real EC P-256 keys and CSRs through the Enrollment RPC, exactly as
//       telltale-agent enroll does; identities are written to DIR/<i>.{key,crt}
//   telltale-load run --address A --ca FILE --ids DIR --first I --count N
//       --interval-ms MS --duration-s S [--report FILE] [--window 1]
//       each agent sends Hello, then a Report every MS (0: as fast as acks
//       return, `window` reports in flight); prints one "result" line.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "agent/collect/snapshot_collector.h"
#include "agent/enroll/device_key.h"
#include "platform/common/enrollment_token.h"
#include "platform/linux/default_watchlist.h"
#include "platform/linux/probes.h"
#include "telltale/v1/enrollment.grpc.pb.h"
#include "telltale/v1/telemetry.grpc.pb.h"

namespace po = boost::program_options;
namespace v1 = telltale::v1;
using Clock = std::chrono::steady_clock;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::filesystem::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

grpc::ChannelArguments channel_args() {
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("telltale-collector");
  // One connection per simulated agent, as on a real fleet.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  return args;
}

int enroll_many(const std::string& token_text, int count, const std::filesystem::path& out, int parallel) {
  std::string error;
  auto token = telltale::parse_enrollment_token(token_text, &error);
  if (!token) {
    std::cerr << "telltale-load: " << error << "\n";
    return 2;
  }
  std::filesystem::create_directories(out);
  // The CA comes from the caller (ca.crt of the collector's data dir); the
  // pinned-CA dance is the agent's, tested elsewhere.
  const std::string ca = slurp(out / "ca.crt");
  if (ca.empty()) {
    std::cerr << "telltale-load: put the collector's ca.crt into " << out << " first\n";
    return 2;
  }
  std::atomic<int> next{0}, failed{0};
  const auto started = Clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < parallel; ++w)
    workers.emplace_back([&] {
      grpc::SslCredentialsOptions tls;
      tls.pem_root_certs = ca;
      auto stub = v1::Enrollment::NewStub(
          grpc::CreateCustomChannel(token->address, grpc::SslCredentials(tls), channel_args()));
      for (int i; (i = next++) < count;) {
        if (std::filesystem::exists(out / (std::to_string(i) + ".crt"))) continue;
        auto key = telltale::agent::make_key_and_csr("load-" + std::to_string(i));
        v1::EnrollRequest req;
        req.set_token(token_text);
        req.set_csr_pem(key.csr_pem);
        req.set_agent_version("telltale-load");
        req.set_platform("linux");
        req.mutable_identity()->set_hostname("load-" + std::to_string(i));
        req.mutable_identity()->set_product_serial("LOAD" + std::to_string(i));
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
        v1::EnrollResponse resp;
        auto status = stub->Enroll(&ctx, req, &resp);
        if (!status.ok()) {
          if (failed++ < 5) std::cerr << "enroll " << i << ": " << status.error_message() << "\n";
          continue;
        }
        spit(out / (std::to_string(i) + ".key"), key.key_pem);
        spit(out / (std::to_string(i) + ".crt"), resp.certificate_pem());
      }
    });
  for (auto& t : workers) t.join();
  const double s = std::chrono::duration<double>(Clock::now() - started).count();
  std::cout << "enrolled " << count - failed << " devices in " << s << " s (" << (count - failed) / s << "/s), "
            << failed << " failed\n";
  return failed ? 1 : 0;
}

struct Stats {
  std::mutex mu;
  std::vector<uint32_t> latencies_us;
  std::atomic<uint64_t> sent{0}, acked{0}, rejected{0}, stream_errors{0}, connected{0};
};

// One simulated agent: a callback-API bidi stream (no thread per agent).
// Writes are serialised by `writing_`; the scheduler thread asks for a
// report when one is due, acks arrive on gRPC's threads.
class Agent final : public grpc::ClientBidiReactor<v1::AgentMessage, v1::CollectorMessage> {
 public:
  Agent(std::shared_ptr<grpc::Channel> ch, const v1::Snapshot& snapshot, uint64_t first_seq, Stats& stats,
        size_t window)
      : channel_(std::move(ch)), stub_(v1::Telemetry::NewStub(channel_)), snapshot_(snapshot), seq_(first_seq),
        stats_(stats), window_(window) {}

  void start() {
    stub_->async()->Connect(&ctx_, this);
    out_.mutable_hello()->set_agent_version("telltale-load");
    writing_ = true;
    StartWrite(&out_);
    StartRead(&in_);
    StartCall();
  }
  // Sends a report if none is being written and the window has room.
  bool send_report() {
    std::lock_guard lock(mu_);
    if (done_ || writing_ || !hello_sent_ || in_flight_.size() >= window_) return false;
    out_.Clear();
    auto* r = out_.mutable_report();
    r->set_seq(++seq_);
    r->set_created_at_unix_ms(unix_ms());
    *r->mutable_snapshot() = snapshot_;
    r->mutable_snapshot()->set_collected_at_unix_ms(r->created_at_unix_ms());
    in_flight_.emplace_back(seq_, Clock::now());
    writing_ = true;
    ++stats_.sent;
    StartWrite(&out_);
    return true;
  }
  void stop() { ctx_.TryCancel(); }
  bool done() {
    std::lock_guard lock(mu_);
    return done_;
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return finished_; });
  }
  bool idle() {
    std::lock_guard lock(mu_);
    return !writing_ && in_flight_.size() < window_ && hello_sent_ && !done_;
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) return;
    if (!hello_sent_) {
      hello_sent_ = true;
      ++stats_.connected;
    }
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (in_.has_ack()) {
      const auto now = Clock::now();
      std::lock_guard lock(mu_);
      auto it = std::find_if(in_flight_.begin(), in_flight_.end(), [&](auto& p) { return p.first == in_.ack().seq(); });
      if (it != in_flight_.end()) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - it->second).count();
        in_flight_.erase(it);
        {
          std::lock_guard s(stats_.mu);
          stats_.latencies_us.push_back(static_cast<uint32_t>(us));
        }
        ++stats_.acked;
        if (!in_.ack().rejected().empty()) ++stats_.rejected;
      }
    }
    StartRead(&in_);
  }
  void OnDone(const grpc::Status& s) override {
    std::lock_guard lock(mu_);
    if (!s.ok() && s.error_code() != grpc::StatusCode::CANCELLED) {
      if (stats_.stream_errors++ < 5) std::cerr << "stream ended: " << s.error_code() << " " << s.error_message() << "\n";
    }
    done_ = finished_ = true;
    cv_.notify_all();
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Telemetry::Stub> stub_;
  grpc::ClientContext ctx_;
  const v1::Snapshot& snapshot_;
  uint64_t seq_;
  Stats& stats_;
  size_t window_;
  // Recursive: gRPC may run a reaction inline on the thread that started an operation.
  std::recursive_mutex mu_;
  std::condition_variable_any cv_;
  v1::AgentMessage out_;
  v1::CollectorMessage in_;
  bool writing_ = false, hello_sent_ = false, done_ = false, finished_ = false;
  std::vector<std::pair<uint64_t, Clock::time_point>> in_flight_;
};

v1::Snapshot fixture_snapshot(const std::string& report_file, const std::string& root) {
  v1::Snapshot s;
  if (!report_file.empty()) {
    if (!s.ParseFromString(slurp(report_file))) throw std::runtime_error("cannot parse " + report_file);
    return s;
  }
  telltale::agent::SnapshotCollector collector(root, telltale::platform::linux_probe::make_all());
  telltale::platform::ProbeContext ctx;
  ctx.watchlist = &telltale::platform::linux_probe::default_watchlist();
  return collector.collect(ctx);
}

int run_agents(const po::variables_map& vm) {
  const auto ids = std::filesystem::path(vm["ids"].as<std::string>());
  const int first = vm["first"].as<int>(), count = vm["count"].as<int>();
  const int interval_ms = vm["interval-ms"].as<int>();
  const double duration = vm["duration-s"].as<double>();
  const std::string address = vm["address"].as<std::string>();
  const std::string ca = slurp(vm["ca"].as<std::string>());
  const auto snapshot = fixture_snapshot(vm["report"].as<std::string>(), vm["root"].as<std::string>());
  if (vm.count("write-report")) {
    spit(vm["write-report"].as<std::string>(), snapshot.SerializeAsString());
    std::cout << "report bytes " << snapshot.ByteSizeLong() << "\n";
    return 0;
  }
  // Seqs must grow across runs against the same store: start from the clock.
  const uint64_t first_seq = static_cast<uint64_t>(unix_ms()) * 1000;
  Stats stats;
  std::vector<std::unique_ptr<Agent>> agents;
  auto make_agent = [&](int i) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ca;
    tls.pem_private_key = slurp(ids / (std::to_string(i) + ".key"));
    tls.pem_cert_chain = slurp(ids / (std::to_string(i) + ".crt"));
    auto ch = grpc::CreateCustomChannel(address, grpc::SslCredentials(tls), channel_args());
    auto a = std::make_unique<Agent>(ch, snapshot, first_seq, stats, vm["window"].as<size_t>());
    a->start();
    return a;
  };
  const auto t0 = Clock::now();
  // Connection ramp at --ramp-per-s: a fleet does not reconnect all at once
  // either, and 2 cores complete only so many TLS handshakes per second.
  const int ramp = std::max(1, vm["ramp-per-s"].as<int>());
  for (int i = first; i < first + count; ++i) {
    agents.push_back(make_agent(i));
    std::this_thread::sleep_until(t0 + std::chrono::microseconds(int64_t{1000000} * (i - first + 1) / ramp));
  }
  // An agent whose connection failed during the ramp retries, as the real one
  // does with its backoff; the retries are counted, not hidden.
  uint64_t retries = 0;
  const auto ramp_deadline = Clock::now() + std::chrono::seconds(120);
  while (stats.connected < static_cast<uint64_t>(count) && Clock::now() < ramp_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (size_t i = 0; i < agents.size(); ++i)
      if (agents[i]->done()) {
        agents[i]->wait();
        agents[i] = make_agent(first + static_cast<int>(i));
        ++retries;
      }
  }
  const uint64_t ramp_errors = stats.stream_errors;
  stats.stream_errors = 0;
  const double ramp_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::cout << "connected " << stats.connected << "/" << count << " in " << ramp_s << " s (" << retries
            << " connection retries, " << ramp_errors << " failed attempts)" << std::endl;
  if (vm.count("ready-file")) spit(vm["ready-file"].as<std::string>(), "ready\n");

  {
    std::lock_guard s(stats.mu);
    stats.latencies_us.clear();
  }
  stats.sent = stats.acked = stats.rejected = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration));
  // Spread each agent's first report over one interval, like a real fleet.
  std::vector<Clock::time_point> due(agents.size());
  for (size_t i = 0; i < agents.size(); ++i)
    due[i] = start + std::chrono::milliseconds(interval_ms > 0 ? (interval_ms * static_cast<int64_t>(i)) /
                                                                      static_cast<int64_t>(agents.size())
                                                                : 0);
  while (Clock::now() < end) {
    const auto now = Clock::now();
    for (size_t i = 0; i < agents.size(); ++i) {
      if (interval_ms > 0) {
        if (now >= due[i] && agents[i]->send_report()) due[i] += std::chrono::milliseconds(interval_ms);
        else if (now >= due[i] + std::chrono::milliseconds(interval_ms)) due[i] = now;  // fell behind: skip, count it
      } else {
        agents[i]->send_report();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms > 0 ? 5 : 1));
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const uint64_t acked = stats.acked, sent = stats.sent;
  size_t alive = 0;
  for (auto& a : agents) alive += a->done() ? 0 : 1;
  for (auto& a : agents) a->stop();
  for (auto& a : agents) a->wait();
  std::vector<uint32_t> lat;
  {
    std::lock_guard s(stats.mu);
    lat = stats.latencies_us;
  }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) { return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, size_t(p * lat.size()))] / 1000.0; };
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::cout << "result agents=" << count << " connected=" << stats.connected << " alive_at_end=" << alive
            << " ramp_retries=" << retries << " seconds=" << elapsed << " sent=" << sent << " acked=" << acked << " rejected=" << stats.rejected
            << " stream_errors=" << stats.stream_errors << " reports_per_s=" << acked / elapsed
            << " p50_ms=" << pct(0.50) << " p99_ms=" << pct(0.99) << " max_ms=" << pct(1.0)
            << " report_bytes=" << snapshot.ByteSizeLong() << " generator_rss_kib=" << ru.ru_maxrss << std::endl;
  return stats.stream_errors > 0 || alive != static_cast<size_t>(count) ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description desc("telltale-load enroll|run [options]");
  desc.add_options()
    ("help,h", "show this help")
    ("command", po::value<std::string>(), "enroll or run")
    ("token", po::value<std::string>(), "enroll: token with enough uses")
    ("out", po::value<std::string>(), "enroll: identity dir (holds ca.crt)")
    ("parallel", po::value<int>()->default_value(16), "enroll: concurrent enrollments")
    ("address", po::value<std::string>(), "run: collector or reference server")
    ("ca", po::value<std::string>(), "run: CA certificate file")
    ("ids", po::value<std::string>(), "run: identity dir from enroll")
    ("first", po::value<int>()->default_value(0), "run: first identity index")
    ("count", po::value<int>()->default_value(100), "agents (enroll: devices)")
    ("interval-ms", po::value<int>()->default_value(10000), "run: ms between reports per agent (0: back to back)")
    ("window", po::value<size_t>()->default_value(1), "run: reports in flight per agent")
    ("duration-s", po::value<double>()->default_value(30), "run: measured seconds after all connected")
    ("report", po::value<std::string>()->default_value(""), "run: binary Snapshot file to send")
    ("root", po::value<std::string>()->default_value(TELLTALE_SOURCE_DIR "/tests/fixtures/clean-laptop"),
     "run: fixture root to collect the snapshot from when --report is not given")
    ("write-report", po::value<std::string>(), "run: only write the snapshot to this file and exit")
    ("ramp-per-s", po::value<int>()->default_value(300), "run: new connections per second while ramping up")
    ("ready-file", po::value<std::string>(), "run: touched once every agent is connected");
  po::positional_options_description pos;
  pos.add("command", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "telltale-load: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help") || !vm.count("command")) {
    std::cout << desc << "\n";
    return vm.count("help") ? 0 : 2;
  }
  const auto cmd = vm["command"].as<std::string>();
  try {
    if (cmd == "enroll")
      return enroll_many(vm["token"].as<std::string>(), vm["count"].as<int>(), vm["out"].as<std::string>(),
                         vm["parallel"].as<int>());
    if (cmd == "run") return run_agents(vm);
  } catch (const std::exception& e) {
    std::cerr << "telltale-load: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "telltale-load: unknown command " << cmd << "\n";
  return 2;
}
