// Finding 11 against the running collector: an enrolled device reports an
// EDID carrying another laptop's monitor serial. The victim's verdict must
// not move; the attacker must carry fleet.borrowed_monitor_serial. The
// corroboration thresholds are lowered in a [detect] config (two reports, no
// minimum span) so the test runs in seconds — the rule itself is the same.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "detect/detect_test_support.h"
#include "hostile/live_client.h"
#include "server/store/sqlite_store.h"

namespace telltale::testing {
namespace {
namespace v1 = telltale::v1;
using namespace std::chrono_literals;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string latest_verdict_json(CollectorProcess& c, const std::string& device) {
  server::SqliteStore store(c.data_dir() / "telltale.db");
  for (const auto& v : store.latest_verdicts())
    if (v.device_id == device) return v.json;
  return "";
}

std::string clusters_csv(CollectorProcess& c) { return c.ctl({"clusters", "--format", "csv"}).out; }

TEST(FleetPoisoningLive, AttackerReportsVictimsMonitorSerialWithForgedEdid_VictimVerdictUnchanged_AttackerFlagged) {
  TempDir cfg_dir;
  const auto cfg = cfg_dir.path() / "detect.toml";
  std::ofstream(cfg) << "[detect]\nshared_serial_min_reports = 2\nshared_serial_min_span_hours = 0\n";
  CollectorProcess collector({"--correlate-interval", "1", "--detect-config", cfg.string()});
  TempDir a, b;
  auto victim = enroll_in_process(collector.token(), a.path());
  auto attacker = enroll_in_process(collector.token(), b.path());
  auto stream = [&](const ClientIdentity& id, uint64_t seq, v1::Snapshot snap) {
    snap.set_collected_at_unix_ms(now_ms());
    return run_stream(mtls_channel(collector.address(), id.ca_pem, id.key_pem, id.cert_pem),
                      {report_message(seq, std::move(snap))});
  };

  // The victim's docked laptop, seen by two correlations.
  const auto desk = detect::testing::load_scenario_snapshot("docked-two-monitors-lid-closed");
  ASSERT_TRUE(stream(victim, 1, desk).acked(1));
  std::this_thread::sleep_for(2500ms);
  ASSERT_TRUE(stream(victim, 2, desk).acked(2));
  std::this_thread::sleep_for(2500ms);
  ASSERT_TRUE(eventually([&] { return !latest_verdict_json(collector, victim.device_id).empty(); }, 20s));
  const std::string level_before = collector.verdict_of(victim.device_id);
  ASSERT_FALSE(level_before.empty());

  // The attacker's laptop with a "Dell" whose EDID carries the victim's
  // serial string but is another monitor's EDID, reported repeatedly.
  auto forged = detect::testing::load_scenario_snapshot("clean-home-laptop");
  auto* d = forged.add_displays();
  *d = desk.displays(1);
  d->set_connector("card0-HDMI-A-1");
  std::string raw = d->edid_raw();
  raw[16] = static_cast<char>(raw[16] + 1);
  raw[127] = static_cast<char>(raw[127] - 1);
  d->set_edid_raw(raw);
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    ASSERT_TRUE(stream(attacker, seq, forged).acked(seq));
    std::this_thread::sleep_for(1500ms);
  }
  ASSERT_TRUE(eventually(
      [&] { return latest_verdict_json(collector, attacker.device_id).find("fleet.borrowed_monitor_serial") !=
                   std::string::npos; },
      30s))
      << clusters_csv(collector) << latest_verdict_json(collector, attacker.device_id);
  EXPECT_NE(clusters_csv(collector).find("borrowed_monitor_serial"), std::string::npos);
  EXPECT_EQ(clusters_csv(collector).find("shared_monitor_serial"), std::string::npos) << clusters_csv(collector);
  EXPECT_EQ(latest_verdict_json(collector, victim.device_id).find("fleet."), std::string::npos)
      << latest_verdict_json(collector, victim.device_id);
  EXPECT_EQ(collector.verdict_of(victim.device_id), level_before);
}

}  // namespace
}  // namespace telltale::testing
