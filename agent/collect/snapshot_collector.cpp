#include "agent/collect/snapshot_collector.h"

#include <chrono>

#include "platform/common/log.h"
#include "platform/common/process_stats.h"
#include "platform/decode/text_sanitize_message.h"
#include "platform/host_platform.h"

namespace telltale::agent {

SnapshotCollector::SnapshotCollector(std::filesystem::path root, platform::ProbeList probes)
    : root_(std::move(root)), probes_(std::move(probes)) {}

telltale::v1::Snapshot SnapshotCollector::collect(const platform::ProbeContext& overrides) {
  std::lock_guard lock(mu_);
  platform::ProbeContext ctx = overrides;
  ctx.root = root_;
  telltale::v1::Snapshot snap;
  const double cpu_before = self_cpu_seconds();
  snap.set_collected_at_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
  snap.set_agent_version(TELLTALE_VERSION);
  snap.set_platform(std::string(platform::host::name()));
  for (auto& probe : probes_) {
    try {
      probe->collect(ctx, snap);
    } catch (const std::exception& e) {
      auto* err = snap.add_errors();
      err->set_probe(std::string(probe->name()));
      err->set_message(std::string("probe failed: ") + e.what());
      spdlog::error("event=probe_failed probe={} error={}", probe->name(), log::q(e.what()));
    }
  }
  auto* health = snap.mutable_health();
  health->set_version(TELLTALE_VERSION);
  health->set_rss_bytes(self_rss_bytes());
  // Last, over everything the probes wrote: from here on no field content
  // can make the report unserialisable or unreadable (decode/text_sanitize_message.h).
  auto repaired = decode::sanitize_strings(snap);
  health->set_strings_repaired(repaired.fields_repaired);
  if (repaired.fields_repaired > 0) {
    std::string fields;
    for (const auto& f : repaired.examples) fields += (fields.empty() ? "" : ",") + f;
    spdlog::warn("event=strings_repaired count={} fields={}", repaired.fields_repaired, log::q(fields));
  }
  health->set_collect_cpu_ms((self_cpu_seconds() - cpu_before) * 1000.0);
  return snap;
}

void SnapshotCollector::shed_input_timing(bool shed) {
  std::lock_guard lock(mu_);
  for (auto& probe : probes_) probe->shed_optional_work(shed);
}

std::vector<telltale::v1::Event> SnapshotCollector::take_events() {
  std::lock_guard lock(mu_);
  std::vector<telltale::v1::Event> out;
  for (auto& probe : probes_)
    for (auto& e : probe->take_events()) out.push_back(std::move(e));
  return out;
}

}  // namespace telltale::agent
