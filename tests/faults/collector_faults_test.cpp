// "Loses nothing" under the faults a fleet actually meets: the collector
// SIGKILLed mid-stream, and its disk filling up. The agents here are
// SimAgents (agent/spool + agent/transport in this process, see sim_agent.h)
// so 1,000 reports take seconds; what is checked is the real store on disk
// against the real spools.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

#include "faults/sim_agent.h"
#include "integration/harness.h"
#include "platform/common/sqlite.h"
#include "support/log_capture.h"

namespace telltale::testing {
namespace {
using namespace std::chrono_literals;

// (seq → how many rows) for a device, read straight from the collector's database.
std::map<uint64_t, int> stored(const std::filesystem::path& db, const std::string& device) {
  sqlite::Database d(db);
  auto st = d.prepare("SELECT seq, COUNT(*) FROM reports WHERE device_id=? GROUP BY seq");
  st.bind(1, device);
  std::map<uint64_t, int> out;
  while (st.step()) out[static_cast<uint64_t>(st.int64(0))] = static_cast<int>(st.int64(1));
  return out;
}

int64_t counted_reports(const std::filesystem::path& db, const std::string& device) {
  sqlite::Database d(db);
  auto st = d.prepare("SELECT reports FROM devices WHERE device_id=?");
  st.bind(1, device);
  return st.step() ? st.int64(0) : -1;
}

using telltale::testing::LogCapture;

TEST(CollectorFaults, SigkillWhile1000ReportsStreamFrom10Agents_AckedStoredOnceAndUnackedResentOnce) {
  constexpr int kAgents = 10, kReportsEach = 100;
  CollectorProcess collector;
  const auto db = collector.data_dir() / "telltale.db";
  TempDir states;
  std::vector<std::unique_ptr<SimAgent>> agents;
  for (int i = 0; i < kAgents; ++i)
    agents.push_back(std::make_unique<SimAgent>(collector.token(), states.path() / std::to_string(i), "clean-laptop"));
  for (auto& a : agents) a->start(kReportsEach, 25ms);

  auto total_acked = [&] {
    uint64_t n = 0;
    for (auto& a : agents) n += a->acknowledged();
    return n;
  };
  ASSERT_TRUE(eventually([&] { return total_acked() >= 300; }, 60s));
  collector.kill9();

  // What the agents hold as acknowledged at the moment of death must be on disk.
  size_t acked_at_kill = 0, pending_at_kill = 0;
  for (auto& a : agents) {
    auto acked = a->acked_seqs();
    acked_at_kill += acked.size();
    pending_at_kill += a->spool().stats().depth;
    auto rows = stored(db, a->device_id());
    for (auto seq : acked) EXPECT_EQ(rows.count(seq), 1u) << a->device_id() << " seq " << seq << " acked but not stored";
  }
  std::cout << "at SIGKILL: " << acked_at_kill << " acked, " << pending_at_kill << " unacked in spools\n";
  EXPECT_GE(acked_at_kill, 300u);
  EXPECT_GT(pending_at_kill, 0u) << "the kill should land mid-stream";

  const auto restarted = std::chrono::steady_clock::now();
  collector.restart();
  ASSERT_TRUE(eventually(
      [&] {
        for (auto& a : agents)
          if (!a->producing_done() || a->spool().stats().depth != 0) return false;
        return true;
      },
      90s))
      << collector.process().log_text();
  std::cout << "all spools drained "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - restarted).count()
            << " ms after the restart began\n";
  // Each agent's next connection attempt reached the new collector; none had
  // to give its channel up (before agents waited on the channel, a stalled
  // attempt held every one of them until the 15 s reset in sanitized builds).
  for (auto& a : agents) EXPECT_EQ(a->channel_resets(), 0u) << a->device_id();
  for (auto& a : agents) a->stop();

  for (auto& a : agents) {
    auto rows = stored(db, a->device_id());
    ASSERT_EQ(rows.size(), static_cast<size_t>(kReportsEach)) << a->device_id();
    uint64_t expect = 1;
    for (auto [seq, count] : rows) {
      EXPECT_EQ(seq, expect++) << a->device_id() << ": a gap";
      EXPECT_EQ(count, 1) << a->device_id() << " seq " << seq;
    }
    // The devices table counts only first stores: re-sends were answered as duplicates.
    EXPECT_EQ(counted_reports(db, a->device_id()), kReportsEach) << a->device_id();
  }
}

// The collector's data dir on a tmpfs of its own, so the disk can be filled
// and emptied without touching anything else.
class TmpfsCollector {
 public:
  explicit TmpfsCollector(const std::string& size) {
    data_ = base_.path() / "data";
    std::filesystem::create_directories(data_);
    if (::mount("tmpfs", data_.c_str(), "tmpfs", 0, ("size=" + size + ",mode=0700").c_str()) != 0)
      throw std::runtime_error(std::string("mount tmpfs: ") + strerror(errno) + " (the fault suite runs as root)");
    mounted_ = true;
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{binary("telltale-collector").string(), "--data-dir", data_.string(), "--listen",
                                 "127.0.0.1:0", "--log-level", "debug"},
        base_.path() / "collector.log");
    if (!eventually([&] { return std::filesystem::exists(data_ / "listen_address") || !proc_->running(); }, 20s))
      throw std::runtime_error("collector did not start: " + proc_->log_text());
  }
  ~TmpfsCollector() {
    proc_.reset();
    if (mounted_) ::umount2(data_.c_str(), MNT_DETACH);
  }
  std::string token() {
    auto r = run({binary("telltale-ctl").string(), "--data-dir", data_.string(), "token", "create", "--uses", "100"});
    if (r.exit_code != 0) throw std::runtime_error("token create: " + r.err);
    return r.out.substr(0, r.out.find('\n'));
  }
  // Writes a filler file until the file system refuses; returns the bytes written.
  size_t fill() {
    std::FILE* f = std::fopen((data_ / "filler").c_str(), "wb");
    std::string chunk(4096, 'F');
    size_t written = 0;
    while (std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size() && std::fflush(f) == 0) written += 4096;
    std::fclose(f);
    return written;
  }
  void unfill() { std::filesystem::remove(data_ / "filler"); }
  std::filesystem::path db() const { return data_ / "telltale.db"; }
  Process& process() { return *proc_; }

 private:
  TempDir base_;
  std::filesystem::path data_;
  bool mounted_ = false;
  std::unique_ptr<Process> proc_;
};

TEST(CollectorFaults, DiskFull_IngestRefusesWithResourceExhausted_AgentsSpool_ServiceResumesWhenSpaceReturns) {
  TmpfsCollector collector("8m");
  LogCapture agent_log;
  TempDir states;
  std::vector<std::unique_ptr<SimAgent>> agents;
  for (int i = 0; i < 3; ++i)
    agents.push_back(std::make_unique<SimAgent>(collector.token(), states.path() / std::to_string(i), "clean-laptop"));
  for (auto& a : agents) a->start(200, 50ms);
  ASSERT_TRUE(eventually([&] { return agents[0]->acknowledged() >= 10; }, 30s));

  const size_t filler = collector.fill();
  std::cout << "filled the collector's tmpfs with " << filler / 1024 << " KiB\n";
  ASSERT_TRUE(eventually(
      [&] {
        return agent_log.text().find("code=8 message=\"collector cannot store reports right now") != std::string::npos;
      },
      60s))
      << "no RESOURCE_EXHAUSTED reached the agents\n"
      << collector.process().log_text();
  EXPECT_NE(collector.process().log_text().find("event=ingest_failed"), std::string::npos);

  // While the disk stays full the spools grow and nothing is acknowledged.
  std::vector<uint64_t> depth_before;
  for (auto& a : agents) depth_before.push_back(a->spool().stats().depth);
  std::vector<std::set<uint64_t>> acked_while_full;
  for (auto& a : agents) acked_while_full.push_back(a->acked_seqs());
  std::this_thread::sleep_for(2s);
  for (size_t i = 0; i < agents.size(); ++i) {
    EXPECT_GT(agents[i]->spool().stats().depth, depth_before[i]) << "agent " << i << " keeps spooling";
    EXPECT_EQ(agents[i]->acked_seqs(), acked_while_full[i]) << "nothing acknowledged while the disk is full";
  }
  EXPECT_TRUE(collector.process().running());

  collector.unfill();
  ASSERT_TRUE(eventually(
      [&] {
        for (auto& a : agents)
          if (!a->producing_done() || a->spool().stats().depth != 0) return false;
        return true;
      },
      90s))
      << collector.process().log_text();
  for (auto& a : agents) a->stop();
  for (size_t i = 0; i < agents.size(); ++i) {
    auto rows = stored(collector.db(), agents[i]->device_id());
    for (auto seq : acked_while_full[i]) EXPECT_EQ(rows.count(seq), 1u) << "acked seq " << seq << " lost";
    EXPECT_EQ(rows.size(), 200u) << "every report stored once after space returned";
    if (!rows.empty()) {
      EXPECT_EQ(rows.rbegin()->first, 200u);
    }
  }
}

}  // namespace
}  // namespace telltale::testing
