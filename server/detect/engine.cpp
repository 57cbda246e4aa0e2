#include "server/detect/engine.h"
#include "server/detect/suppressed_evaluate.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "server/detect/rules.h"

namespace telltale::detect {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string hex4(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04x", v & 0xffffu);
  return buf;
}

std::string usb_label(const telltale::v1::UsbDevice& d) {
  std::string s = hex4(d.vendor_id()) + ":" + hex4(d.product_id());
  if (d.has_manufacturer() && !d.manufacturer().empty()) s += " " + d.manufacturer();
  if (d.has_product() && !d.product().empty()) s += " " + d.product();
  if (d.has_serial() && !d.serial().empty()) s += " (serial " + d.serial() + ")";
  return s;
}

telltale::v1::Indicator& Findings::add(std::string_view id, std::string_view title, std::string_view severity,
                                       double confidence, std::string_view category) {
  auto it = index_.find(id);
  if (it != index_.end()) {
    auto& ind = items_[it->second];
    if (confidence > ind.confidence()) {
      ind.set_confidence(confidence);
      ind.set_score(config_.severity_weight(ind.severity()) * confidence);
    }
    return ind;
  }
  index_.emplace(std::string(id), items_.size());
  auto& ind = items_.emplace_back();
  ind.set_id(std::string(id));
  ind.set_title(std::string(title));
  ind.set_severity(std::string(severity));
  ind.set_confidence(confidence);
  ind.set_score(config_.severity_weight(severity) * confidence);
  ind.set_category(std::string(category));
  return ind;
}

void Findings::fact(telltale::v1::Indicator& ind, std::string key, std::string value) {
  for (const auto& f : ind.evidence())
    if (f.key() == key && f.value() == value) return;
  auto* f = ind.add_evidence();
  f->set_key(std::move(key));
  f->set_value(std::move(value));
}

std::vector<telltale::v1::Indicator> Findings::take() { return std::move(items_); }

int level_rank(const std::string& level) {
  for (int i = 0; i < 4; ++i)
    if (level == kLevels[i]) return i;
  return -1;
}

Engine::Engine() : Engine(Catalog::builtin()) {}

Engine::Engine(Catalog catalog, DetectConfig config) : catalog_(std::move(catalog)), config_(std::move(config)) {}

namespace {
// The whole evaluation; `suppressed` indicator ids (allow-listed by an
// investigator) are dropped before scoring, so they move neither score nor level.
telltale::v1::Verdict evaluate_with(const Catalog& catalog_, const DetectConfig& config_,
                                    const telltale::v1::Snapshot& snapshot, const DeviceContext& ctx,
                                    const std::vector<std::string>& suppressed) {
  int64_t now = ctx.now_unix_ms != 0 ? ctx.now_unix_ms : snapshot.collected_at_unix_ms();
  RuleInput in{snapshot, ctx, catalog_, config_, now};
  Findings findings(config_);
  signature_rules(in, findings);
  structure_rules(in, findings);
  context_rules(in, findings);
  fleet_rules(in, findings);
  behaviour_rules(in, findings);
  presence_rules(in, findings);
  auto indicators = findings.take();
  std::erase_if(indicators, [&](const auto& i) {
    return std::find(suppressed.begin(), suppressed.end(), i.id()) != suppressed.end();
  });

  // Circumstantial families are capped; device evidence is not.
  double context = 0, fleet = 0, presence = 0, device = 0;
  bool strong_device_finding = false;
  for (const auto& i : indicators) {
    if (i.category() == "context") context += i.score();
    else if (i.category() == "fleet") fleet += i.score();
    else if (i.category() == "presence") presence += i.score();
    else {
      device += i.score();
      if (i.severity() == "high" || i.severity() == "critical") strong_device_finding = true;
    }
  }
  // A failed, refused or remote-looking presence check is evidence, never
  // proof by itself: its family is capped below `suspicious`.
  double score = device + std::min(context, config_.context_cap) + std::min(fleet, config_.fleet_cap) +
                 std::min(presence, config_.presence_cap);
  int rank = score >= config_.puppeteered_threshold  ? 3
             : score >= config_.suspicious_threshold ? 2
             : score >= config_.review_threshold     ? 1
                                                     : 0;
  // Puppeteering means something drives the laptop: without a strong device
  // finding the circumstances alone only make it suspicious.
  if (rank == 3 && !strong_device_finding) rank = 2;

  std::stable_sort(indicators.begin(), indicators.end(),
                   [](const auto& a, const auto& b) { return a.score() > b.score(); });
  telltale::v1::Verdict v;
  v.set_device_id(ctx.device_id);
  v.set_level(kLevels[rank]);
  v.set_score(std::round(score * 10) / 10);
  v.set_evaluated_at_unix_ms(now);
  v.set_catalog_version(catalog_.version());
  for (auto& i : indicators) {
    i.set_first_seen_unix_ms(now);
    i.set_last_seen_unix_ms(now);
    if (ctx.previous) {
      for (const auto& p : ctx.previous->indicators())
        if (p.id() == i.id() && p.first_seen_unix_ms() != 0) i.set_first_seen_unix_ms(p.first_seen_unix_ms());
    }
    *v.add_indicators() = std::move(i);
  }
  for (const auto& c : ctx.clusters)
    if (std::find(c.members().begin(), c.members().end(), ctx.device_id) != c.members().end()) v.add_cluster_ids(c.id());
  return v;
}
}  // namespace

telltale::v1::Verdict Engine::evaluate(const telltale::v1::Snapshot& snapshot, const DeviceContext& ctx) const {
  return evaluate_with(catalog_, config_, snapshot, ctx, {});
}

telltale::v1::Verdict evaluate_suppressing(const Engine& engine, const telltale::v1::Snapshot& snapshot,
                                           const DeviceContext& ctx, const std::vector<std::string>& suppressed) {
  return evaluate_with(engine.catalog(), engine.config(), snapshot, ctx, suppressed);
}

std::vector<telltale::v1::Cluster> Engine::correlate(const std::vector<FleetDevice>& fleet) const {
  return correlate_fleet(fleet, config_);
}

std::vector<telltale::v1::Cluster> Engine::clusters_of(const std::vector<telltale::v1::Cluster>& all,
                                                       const std::string& device_id) {
  std::vector<telltale::v1::Cluster> out;
  for (const auto& c : all)
    if (std::find(c.members().begin(), c.members().end(), device_id) != c.members().end()) out.push_back(c);
  return out;
}

}  // namespace telltale::detect
