#include "server/detect/config.h"

#include <fstream>
#include <map>
#include <sstream>
#include <variant>

#include <toml++/toml.h>

namespace telltale::detect {

double DetectConfig::severity_weight(std::string_view s) const {
  if (s == "critical") return weight_critical;
  if (s == "high") return weight_high;
  if (s == "medium") return weight_medium;
  if (s == "low") return weight_low;
  return weight_info;
}

DetectConfig parse_detect_config(std::string_view text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw DetectConfigError(name + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  DetectConfig c;
  const toml::table* t = root["detect"].as_table();
  if (!t) return c;
  using Field = std::variant<double*, bool*, std::vector<std::string>*>;
  const std::map<std::string, Field, std::less<>> fields = {
      {"weight_info", &c.weight_info}, {"weight_low", &c.weight_low}, {"weight_medium", &c.weight_medium},
      {"weight_high", &c.weight_high}, {"weight_critical", &c.weight_critical},
      {"review_threshold", &c.review_threshold}, {"suspicious_threshold", &c.suspicious_threshold},
      {"puppeteered_threshold", &c.puppeteered_threshold}, {"context_cap", &c.context_cap},
      {"presence_cap", &c.presence_cap}, {"presence_window_days", &c.presence_window_days},
      {"presence_late_reaction_ms", &c.presence_late_reaction_ms},
      {"fleet_cap", &c.fleet_cap}, {"remote_rtt_far_ms", &c.remote_rtt_far_ms},
      {"regular_interval_share", &c.regular_interval_share}, {"regular_min_key_presses", &c.regular_min_key_presses},
      {"night_start_hour", &c.night_start_hour}, {"night_end_hour", &c.night_end_hour},
      {"night_share", &c.night_share}, {"night_min_events", &c.night_min_events},
      {"always_active_min_span_hours", &c.always_active_min_span_hours},
      {"always_active_share", &c.always_active_share}, {"timezone_mismatch_hours", &c.timezone_mismatch_hours},
      {"expect_laptops", &c.expect_laptops},
      {"provenance_external_share", &c.provenance_external_share},
      {"provenance_min_events", &c.provenance_min_events}, {"provenance_min_days", &c.provenance_min_days},
      {"lid_closed_min_keys", &c.lid_closed_min_keys}, {"lid_closed_usb_share", &c.lid_closed_usb_share},
      {"burst_share", &c.burst_share}, {"burst_min_intervals", &c.burst_min_intervals},
      {"teleport_share", &c.teleport_share}, {"teleport_min_moves", &c.teleport_min_moves},
      {"night_hours_share", &c.night_hours_share}, {"night_hours_min_days", &c.night_hours_min_days},
      {"shared_network_min_assignees", &c.shared_network_min_assignees},
      {"shared_network_min_span_hours", &c.shared_network_min_span_hours},
      {"shared_serial_min_devices", &c.shared_serial_min_devices},
      {"shared_serial_min_reports", &c.shared_serial_min_reports},
      {"shared_serial_min_span_hours", &c.shared_serial_min_span_hours},
      {"shared_serial_placeholder_fingerprints", &c.shared_serial_placeholder_fingerprints},
      {"silence_gap_minutes", &c.silence_gap_minutes}, {"silence_slot_minutes", &c.silence_slot_minutes},
      {"silence_min_devices", &c.silence_min_devices}, {"silence_min_events", &c.silence_min_events},
      {"known_shared_networks", &c.known_shared_networks},
      {"presence_sequence_min_devices", &c.presence_sequence_min_devices},
      {"presence_sequence_min_devices_one_round", &c.presence_sequence_min_devices_one_round},
      {"presence_sequence_min_busy_seconds", &c.presence_sequence_min_busy_seconds},
      {"presence_sequence_max_hop_seconds", &c.presence_sequence_max_hop_seconds},
      {"presence_sequence_min_share", &c.presence_sequence_min_share},
  };
  for (const auto& [key, node] : *t) {
    std::string where = name + ":" + std::to_string(node.source().begin.line) + ": detect." + std::string(key.str());
    auto it = fields.find(key.str());
    if (it == fields.end()) throw DetectConfigError(where + ": unknown key");
    if (auto* d = std::get_if<double*>(&it->second)) {
      if (!node.is_number()) throw DetectConfigError(where + ": expected a number");
      **d = *node.value<double>();
      if (**d < 0) throw DetectConfigError(where + ": must not be negative");
    } else if (auto* b = std::get_if<bool*>(&it->second)) {
      if (!node.is_boolean()) throw DetectConfigError(where + ": expected true or false");
      **b = *node.value<bool>();
    } else {
      auto* list = std::get<std::vector<std::string>*>(it->second);
      const toml::array* a = node.as_array();
      if (!a) throw DetectConfigError(where + ": expected an array of strings");
      for (const auto& e : *a) {
        if (!e.is_string()) throw DetectConfigError(where + ": expected an array of strings");
        list->push_back(*e.value<std::string>());
      }
    }
  }
  if (!(c.review_threshold <= c.suspicious_threshold && c.suspicious_threshold <= c.puppeteered_threshold))
    throw DetectConfigError(name + ": detect thresholds must satisfy review <= suspicious <= puppeteered");
  return c;
}

DetectConfig load_detect_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DetectConfigError(path.string() + ": cannot open config file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_detect_config(ss.str(), path.filename().string());
}

}  // namespace telltale::detect
