#include "faults/sim_agent.h"

#include "agent/enroll/enroller.h"
#include "integration/harness.h"

namespace telltale::testing {

SimAgent::SimAgent(const std::string& token, const std::filesystem::path& state_dir, const std::string& fixture_root) {
  agent::EnrollOptions options;
  options.token = token;
  options.paths.dir = state_dir;
  options.root = fixture(fixture_root);
  options.timeout = std::chrono::seconds(15);
  auto identity = agent::enroll(options).identity;
  device_id_ = identity.device_id;
  spool_ = std::make_unique<agent::Spool>(options.paths.spool(), agent::SpoolLimits{});
  agent::TransportOptions t;
  t.address = identity.collector;
  t.ca_pem = identity.ca_pem;
  t.key_pem = identity.key_pem;
  t.cert_pem = identity.cert_pem;
  t.heartbeat_interval = std::chrono::seconds(1);
  t.backoff_base = std::chrono::milliseconds(100);
  t.backoff_cap = std::chrono::milliseconds(500);
  t.agent_version = "sim-agent";
  transport_ = std::make_unique<agent::Transport>(t, *spool_, agent::TransportCallbacks{});
}

SimAgent::~SimAgent() { stop(); }

void SimAgent::start(int count, std::chrono::milliseconds every) {
  target_ = count;
  sender_ = std::thread([this] { transport_->run(); });
  producer_ = std::thread([this, count, every] {
    for (int i = 0; i < count && !stopping_; ++i) {
      telltale::v1::Report r;
      r.set_created_at_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
      auto* hw = r.mutable_snapshot()->mutable_hardware();
      hw->set_hostname(device_id_);
      hw->set_product_serial("report-" + std::to_string(i + 1));
      spool_->append(std::move(r));
      ++produced_;
      transport_->notify();
      std::this_thread::sleep_for(every);
    }
  });
}

void SimAgent::stop() {
  stopping_ = true;
  if (producer_.joinable()) producer_.join();
  if (transport_) transport_->stop();
  if (sender_.joinable()) sender_.join();
}

std::set<uint64_t> SimAgent::acked_seqs() {
  // last_seq first: a report appended after it cannot be mistaken for acked.
  const uint64_t last = spool_->stats().last_seq;
  std::set<uint64_t> pending;
  for (const auto& r : spool_->pending(0, 1000000)) pending.insert(r.seq());
  std::set<uint64_t> acked;
  for (uint64_t s = 1; s <= last; ++s)
    if (!pending.count(s)) acked.insert(s);
  return acked;
}

}  // namespace telltale::testing
