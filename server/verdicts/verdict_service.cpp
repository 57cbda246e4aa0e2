#include "server/verdicts/verdict_service.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "platform/common/log.h"
#include "server/detect/suppressed_evaluate.h"

namespace telltale::server {
namespace v1 = telltale::v1;

namespace {
std::vector<detect::SightingRow> to_rows(const std::vector<HardwareSightingRecord>& stored) {
  std::vector<detect::SightingRow> rows;
  rows.reserve(stored.size());
  for (const auto& s : stored)
    rows.push_back({s.kind,
                    {s.serial, s.fingerprint, s.first_seen_unix_ms, s.last_seen_unix_ms,
                     static_cast<uint32_t>(std::clamp<int64_t>(s.snapshots, 0, UINT32_MAX))},
                    s.last_snapshot_id});
  return rows;
}

std::vector<HardwareSightingRecord> to_records(const std::vector<detect::SightingRow>& rows) {
  std::vector<HardwareSightingRecord> out;
  out.reserve(rows.size());
  for (const auto& r : rows)
    out.push_back({r.kind, r.sighting.key, r.sighting.fingerprint, r.sighting.first_unix_ms, r.sighting.last_unix_ms,
                   int64_t{r.sighting.reports}, r.last_snapshot_id});
  return out;
}

template <typename Message>
std::optional<Message> from_json(const std::string& json) {
  Message m;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;  // to_json adds a top-level "verdict" convenience field
  if (!google::protobuf::util::JsonStringToMessage(json, &m, opts).ok()) return std::nullopt;
  return m;
}

std::string indicator_key(const v1::Verdict& v) {
  std::string key = v.level() + "|";
  for (const auto& i : v.indicators()) key += i.id() + ",";
  return key;
}

// Answered presence checks whose signature verified against the device's
// certificate, with their observations; a stored observation that no longer
// parses is logged, not guessed.
std::vector<std::pair<PresenceCheckRecord, v1::PresenceObservation>> signed_presence_answers(
    Store& store, const std::string& device_id) {
  std::vector<std::pair<PresenceCheckRecord, v1::PresenceObservation>> out;
  for (auto& check : store.presence_checks(device_id, 20)) {
    if (check.status != "answered" || !check.signature_valid) continue;
    auto observation = from_json<v1::PresenceObservation>(check.observation_json);
    if (!observation) {
      spdlog::warn("event=presence_observation_unreadable device={} check={}", device_id, check.check_id);
      continue;
    }
    out.emplace_back(std::move(check), std::move(*observation));
  }
  return out;
}

}  // namespace

std::string peer_ip(const std::string& peer) {
  std::string s = peer;
  if (s.rfind("ipv4:", 0) == 0) s = s.substr(5);
  else if (s.rfind("ipv6:", 0) == 0) s = s.substr(5);
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    return close == std::string::npos ? s : s.substr(1, close - 1);
  }
  auto colon = s.rfind(':');
  return colon == std::string::npos ? s : s.substr(0, colon);
}

VerdictService::VerdictService(Store& store, detect::Engine engine, VerdictServiceOptions options)
    : store_(store), engine_(std::move(engine)), options_(std::move(options)) {}

VerdictService::~VerdictService() { stop(); }

int64_t VerdictService::now_ms() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void VerdictService::start() {
  worker_ = std::thread([this] { run(); });
}

void VerdictService::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void VerdictService::mark_dirty(const std::vector<std::string>& ids) {
  {
    std::lock_guard lock(mu_);
    dirty_.insert(ids.begin(), ids.end());
  }
  cv_.notify_all();
}

void VerdictService::run() {
  auto next_correlation = std::chrono::steady_clock::now();
  for (;;) {
    std::set<std::string> batch;
    bool correlate = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_correlation, [&] { return stopping_ || !dirty_.empty(); });
      if (stopping_) return;
      batch.swap(dirty_);
      correlate = std::chrono::steady_clock::now() >= next_correlation;
    }
    try {
      if (correlate) {
        if (!options_.may_correlate || options_.may_correlate()) correlate_fleet();
        // Everyone, so assignment imports and cluster changes reach every verdict.
        for (const auto& d : store_.devices()) batch.insert(d.device_id);
        next_correlation = std::chrono::steady_clock::now() + options_.correlate_interval;
      }
      for (const auto& id : batch) evaluate_device(id);
    } catch (const std::exception& e) {
      spdlog::error("event=evaluation_failed error={}", log::q(e.what()));
    }
  }
}

std::optional<detect::Assignment> VerdictService::assignment_for(const DeviceRecord& device,
                                                                 const std::vector<Assignment>& assignments) {
  for (const auto& a : assignments)
    if (a.device_key == device.device_id || (!device.serial.empty() && a.device_key == device.serial))
      return detect::Assignment{a.device_key, a.employee, a.email, a.timezone, a.region};
  return std::nullopt;
}

const VerdictService::FleetView& VerdictService::fleet_view() {
  const auto now = std::chrono::steady_clock::now();
  if (fleet_view_.valid && now - fleet_view_.loaded < kFleetViewTtl) return fleet_view_;
  fleet_view_.assignments = store_.assignments();
  fleet_view_.clusters.clear();
  for (const auto& c : store_.clusters())
    if (auto parsed = from_json<v1::Cluster>(c.json)) fleet_view_.clusters.push_back(std::move(*parsed));
  fleet_view_.suppressions = store_.suppressions();
  fleet_view_.loaded = now;
  fleet_view_.valid = true;
  return fleet_view_;
}

std::optional<v1::Verdict> VerdictService::evaluate_device(const std::string& device_id) {
  std::lock_guard lock(eval_mu_);
  auto device = store_.device(device_id);
  if (!device) return std::nullopt;
  auto snapshot = store_.latest_snapshot(device_id);
  if (!snapshot) return std::nullopt;
  snapshot->mutable_network()->set_egress_ip(peer_ip(device->last_peer));

  detect::DeviceContext ctx;
  ctx.device_id = device_id;
  ctx.now_unix_ms = now_ms();
  const auto& view = fleet_view();
  auto assignment = assignment_for(*device, view.assignments);
  if (assignment) ctx.assignment = &*assignment;
  std::optional<v1::Verdict> previous;
  auto history = store_.verdict_history(device_id, 1);
  if (!history.empty()) previous = from_json<v1::Verdict>(history.front().json);
  if (previous) ctx.previous = &*previous;
  for (const auto& r : store_.reports(device_id, 500)) ctx.recent_snapshot_unix_ms.push_back(r.received_unix_ms);
  std::sort(ctx.recent_snapshot_unix_ms.begin(), ctx.recent_snapshot_unix_ms.end());
  ctx.clusters = detect::Engine::clusters_of(view.clusters, device_id);
  for (auto& [check, observation] : signed_presence_answers(store_, device_id))
    ctx.presence.push_back({check.check_id, check.action, check.answered_unix_ms, check.summary, std::move(observation)});
  // An approved tool (an allow-listed indicator) stops counting while its
  // suppression runs; after expiry the next evaluation counts it again.
  std::vector<std::string> suppressed;
  for (const auto& s : view.suppressions)
    if ((s.device_id.empty() || s.device_id == device_id) && s.active_at(ctx.now_unix_ms))
      suppressed.push_back(s.indicator_id);

  v1::Verdict verdict = detect::evaluate_suppressing(engine_, *snapshot, ctx, suppressed);
  verdict.set_device_id(device_id);
  // History keeps changes, not repetitions: a verdict is saved when its level
  // or its set of indicators differs from the previous one.
  if (!previous || indicator_key(*previous) != indicator_key(verdict)) {
    store_.save_verdict({device_id, ctx.now_unix_ms, verdict.level(), verdict.score(), detect::to_json(verdict)});
    spdlog::info("event=verdict device={} level={} score={} indicators={}", device_id, verdict.level(),
                 verdict.score(), verdict.indicators_size());
  }
  return verdict;
}

void VerdictService::suppressions_changed() {
  {
    std::lock_guard lock(eval_mu_);
    fleet_view_.valid = false;
  }
  std::vector<std::string> ids;
  for (const auto& d : store_.devices()) ids.push_back(d.device_id);
  mark_dirty(ids);
}

size_t VerdictService::correlate_fleet() {
  std::vector<detect::FleetDevice> fleet;
  auto assignments = store_.assignments();
  for (const auto& device : store_.devices()) {
    if (device.revoked) continue;
    auto snapshot = store_.latest_snapshot(device.device_id);
    if (!snapshot) continue;
    auto fd = detect::fleet_device_from_snapshot(device.device_id, *snapshot, engine_.catalog());
    fd.egress_ip = peer_ip(device.last_peer);
    // The table is read once per correlation, not once per device.
    if (auto a = assignment_for(device, assignments)) {
      fd.assignee = a->employee.empty() ? a->email : a->employee;
      fd.expected_region = a->expected_region;
    }
    for (const auto& r : store_.reports(device.device_id, 500)) fd.seen_unix_ms.push_back(r.received_unix_ms);
    std::sort(fd.seen_unix_ms.begin(), fd.seen_unix_ms.end());
    // The snapshot's own time identifies it (the same snapshot seen by two
    // correlation runs counts once); the history's times are ours.
    const int64_t collected = snapshot->collected_at_unix_ms() != 0 ? snapshot->collected_at_unix_ms()
                              : fd.seen_unix_ms.empty()              ? 0
                                                                     : fd.seen_unix_ms.back();
    // Read from the store at every run, not cached: after a restart, or
    // when the lease moved here from another collector, this is the
    // history the fleet has built so far. Written back only when this
    // snapshot was new to it; revoked devices' rows went with revocation.
    auto rows = to_rows(store_.hardware_sightings(device.device_id));
    if (hardware_history_.fold(rows, fd, collected, now_ms()))
      store_.record_hardware_sightings(device.device_id, to_records(rows));
    fd.sightings = detect::HardwareHistory::sightings_of(rows);
    // When the person was busy with each answered check, on this
    // collector's clock: from the first answering event (delivery plus the
    // agent's measured delay) to the signed result's arrival.
    for (const auto& [check, observation] : signed_presence_answers(store_, device.device_id))
      if (observation.outcome() == v1::PRESENCE_OUTCOME_ANSWERED && check.delivered_unix_ms > 0)
        fd.presence_answers.push_back({check.check_id, check.action, check.delivered_unix_ms,
                                       check.delivered_unix_ms + int64_t{observation.first_response_ms()},
                                       check.answered_unix_ms});
    fleet.push_back(std::move(fd));
  }
  auto clusters = engine_.correlate(fleet);
  std::vector<StoredCluster> stored;
  for (const auto& c : clusters) {
    StoredCluster s;
    s.cluster_id = c.id();
    s.kind = c.kind();
    s.key = c.key();
    s.members.assign(c.members().begin(), c.members().end());
    s.first_seen_unix_ms = c.first_seen_unix_ms();
    s.last_seen_unix_ms = c.last_seen_unix_ms();
    s.json = detect::to_json(c);
    stored.push_back(std::move(s));
  }
  store_.replace_clusters(stored);
  {
    std::lock_guard lock(eval_mu_);
    fleet_view_.valid = false;  // the members of new clusters are re-evaluated against them at once
  }
  if (!clusters.empty()) spdlog::info("event=fleet_correlated devices={} clusters={}", fleet.size(), clusters.size());
  return clusters.size();
}

v1::ScanResult VerdictService::answer_scan(const std::string& device_id, const v1::Report& report) {
  v1::ScanResult result;
  result.set_scan_id(report.scan_id());
  result.set_seq(report.seq());
  auto verdict = evaluate_device(device_id);
  if (!verdict) {
    result.set_verdict("unknown");
    result.set_compliant(false);
    result.add_reasons("no snapshot stored for this device");
    return result;
  }
  result.set_verdict(verdict->level());
  result.set_compliant(!options_.noncompliant_levels.count(verdict->level()));
  for (const auto& i : verdict->indicators()) result.add_reasons(i.id() + ": " + i.title());
  return result;
}

}  // namespace telltale::server
