// "Loses nothing": acknowledged reports survive a collector crash, and a
// report committed but not yet acknowledged is re-sent and stored once.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "agent/spool/spool.h"
#include "platform/common/clock.h"
#include "integration/agent_process.h"
#include "integration/store_reads.h"

namespace telltale::testing {
namespace {


TEST(Durability, CollectorDyingBetweenCommitAndAckLeadsToAResendStoredOnce) {
  // The first start dies right after its first commit, before any ack leaves.
  CollectorProcess collector({}, {"TELLTALE_FAULT_EXIT_AFTER_COMMIT=1"});
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  const auto device = agent.device_id();
  agent.start(fixture("clean-laptop"));
  ASSERT_EQ(collector.process().wait(std::chrono::seconds(30)), 137) << collector.process().log_text();
  auto before = stored_seqs(collector.data_dir(), device);
  ASSERT_FALSE(before.empty()) << "the fault fires after a commit";

  collector.restart();
  ASSERT_TRUE(eventually([&] { return stored_seqs(collector.data_dir(), device).size() >= before.size() + 3; },
                         std::chrono::seconds(40)))
      << agent.process().log_text() << collector.process().log_text();
  agent.stop();

  auto after = stored_seqs(collector.data_dir(), device);
  EXPECT_EQ(std::set<uint64_t>(after.begin(), after.end()).size(), after.size()) << "no report stored twice";
  for (auto seq : before) EXPECT_TRUE(std::binary_search(after.begin(), after.end(), seq)) << seq;
  EXPECT_NE(collector.process().log_text().find("event=hello"), std::string::npos);
  // The re-sent, already committed reports were answered as duplicates.
  EXPECT_NE(agent.process().log_text().find("event=session_open"), std::string::npos);
}

TEST(Durability, AgentSpoolsWhileTheCollectorIsDownAndDrainsWhenItReturns) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  const auto device = agent.device_id();
  collector.kill9();
  agent.start(fixture("clean-laptop"));
  // Several collections pile up in the spool with nobody to send them to.
  ASSERT_TRUE(eventually(
      [&] {
        agent::Spool spool(agent.state_dir() / "spool.db", {});
        return spool.stats().depth >= 3;
      },
      std::chrono::seconds(30)));
  // Everything collected while nobody listened must arrive. The agent keeps
  // collecting every second meanwhile, so "spool empty" is a moving target on
  // a loaded CI machine; the offline seqs being stored is the property.
  const uint64_t offline_last = agent::Spool(agent.state_dir() / "spool.db", {}).stats().last_seq;
  collector.restart();
  ASSERT_TRUE(eventually(
      [&] {
        auto seqs = stored_seqs(collector.data_dir(), device);
        return seqs.size() >= offline_last && !seqs.empty() && seqs.back() >= offline_last;
      },
      std::chrono::seconds(60)))
      << "offline reports 1.." << offline_last << " not all stored\n--- agent\n"
      << agent.process().log_text() << "\n--- collector\n" << collector.process().log_text() << "\n--- sockets\n"
      << run({"/usr/bin/ss", "-tanpe", "( sport = :" + collector.address().substr(collector.address().rfind(':') + 1) +
                                           " or dport = :" +
                                           collector.address().substr(collector.address().rfind(':') + 1) + " )"})
             .out;
  // And the spool drains: what is still pending is only what was collected since.
  ASSERT_TRUE(eventually(
      [&] {
        agent::Spool spool(agent.state_dir() / "spool.db", {});
        auto oldest = spool.pending(0, 1);
        return oldest.empty() || oldest.front().seq() > offline_last;
      },
      std::chrono::seconds(20)));
  agent.stop();
  auto seqs = stored_seqs(collector.data_dir(), device);
  // Contiguous from 1: nothing the agent collected while offline was lost.
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
}

// The clock of a laptop that has been collecting offline for a week.
class WeekAgoClock final : public Clock {
 public:
  int64_t now_unix_ms() const override { return now_ms; }
  uint64_t monotonic_us() const override { return static_cast<uint64_t>(now_ms) * 1000; }
  int64_t now_ms = SystemClock::instance().now_unix_ms() - 7LL * 24 * 3600 * 1000;
};

// Collector down for a week: the spool, written by the agent's own code on a
// clock that starts a week ago at the default 5-minute cadence, stays under
// its byte cap by compacting snapshots and announces the gap; when the
// collector is reachable again the agent drains all of it, each seq stored
// once, and the gap reaches the collector as an event.
TEST(Durability, AWeekSpooledOfflineStaysUnderTheCapAndDrainsWithItsGapAnnounced) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  const auto device = agent.device_id();
  constexpr uint64_t kCap = 256 * 1024;
  std::vector<uint64_t> spooled;
  uint64_t week_last_seq = 0;
  {
    WeekAgoClock clock;
    agent::Spool spool(agent.state_dir() / "spool.db", {kCap, 14LL * 24 * 3600 * 1000}, clock);
    for (int i = 0; i < 7 * 24 * 12; ++i) {  // 2,016 snapshots of ~4 KB: 8 MB against a 256 KiB cap
      telltale::v1::Report r;
      auto* snap = r.mutable_snapshot();
      snap->mutable_hardware()->set_product_name("ThinkPad T14 Gen 4");
      for (int u = 0; u < 30; ++u) {
        auto* usb = snap->add_usb_devices();
        usb->set_port_path("1-" + std::to_string(u + 1));
        usb->set_product("USB device " + std::to_string(u) + std::string(100, '.'));
      }
      if (i % 288 == 0) r.add_events()->mutable_usb()->set_port_path("1-" + std::to_string(i / 288 + 1));
      spool.append(std::move(r));
      clock.now_ms += 300'000;
    }
    const auto stats = spool.stats();
    EXPECT_LE(stats.bytes, kCap + 32 * 1024) << "the spool keeps to its byte cap";
    EXPECT_GT(stats.gaps_recorded, 0u);
    week_last_seq = stats.last_seq;
    for (const auto& r : spool.pending(0, 100000)) spooled.push_back(r.seq());
  }
  ASSERT_FALSE(spooled.empty());
  ASSERT_LT(spooled.size(), 2016u) << "a week of snapshots cannot fit under 256 KiB uncompacted";

  agent.start(fixture("clean-laptop"), {"--spool-max-bytes", std::to_string(kCap)});
  ASSERT_TRUE(eventually(
      [&] {
        const auto seqs = stored_seqs(collector.data_dir(), device);
        return std::includes(seqs.begin(), seqs.end(), spooled.begin(), spooled.end());
      },
      std::chrono::seconds(60)))
      << "--- agent\n" << agent.process().log_text() << "\n--- collector\n" << collector.process().log_text();
  agent.stop();

  const auto seqs = stored_seqs(collector.data_dir(), device);
  EXPECT_EQ(std::set<uint64_t>(seqs.begin(), seqs.end()).size(), seqs.size()) << "each seq stored once";
  server::SqliteStore store(collector.data_dir() / "telltale.db");
  std::vector<std::pair<uint64_t, uint64_t>> gaps;
  uint64_t usb_events = 0;
  for (const auto& e : store.events(device, 100000)) {
    if (e.event.has_spool_gap()) gaps.emplace_back(e.event.spool_gap().first_seq(), e.event.spool_gap().last_seq());
    usb_events += e.event.has_usb();
  }
  EXPECT_FALSE(gaps.empty()) << "the collector learns what was compacted away";
  EXPECT_EQ(usb_events, 7u) << "events are never compacted away";
  // No silent loss: every seq of the offline week is stored or inside an announced gap.
  const std::set<uint64_t> stored(seqs.begin(), seqs.end());
  for (uint64_t seq = 1; seq <= week_last_seq; ++seq) {
    const bool announced = std::any_of(gaps.begin(), gaps.end(), [&](auto g) { return seq >= g.first && seq <= g.second; });
    EXPECT_TRUE(stored.count(seq) || announced) << "seq " << seq << " neither stored nor in a gap";
  }
}

TEST(Durability, AgentStopsCleanlyOnSigtermAndKeepsUnsentReports) {
  CollectorProcess collector;
  AgentProcess agent;
  ASSERT_EQ(agent.enroll(collector.token()).exit_code, 0);
  collector.kill9();
  agent.start(fixture("clean-laptop"));
  ASSERT_TRUE(eventually([&] { return agent.process().log_text().find("event=collected") != std::string::npos; },
                         std::chrono::seconds(20)));
  agent.process().signal(SIGTERM);
  EXPECT_EQ(agent.process().wait(std::chrono::seconds(15)), 0) << agent.process().log_text();
  agent::Spool spool(agent.state_dir() / "spool.db", {});
  EXPECT_GE(spool.stats().depth, 1u) << "unacknowledged reports stay in the spool";
}

}  // namespace
}  // namespace telltale::testing
