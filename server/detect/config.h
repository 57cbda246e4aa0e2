#pragma once
// Weights and thresholds of the detector. Defaults are the calibrated values
// (tests/scenarios); a deployment overrides any of them in the [detect]
// section of the collector's TOML config.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace telltale::detect {

class DetectConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DetectConfig {
  // Score an indicator adds at confidence 1.0, by severity.
  double weight_info = 5, weight_low = 10, weight_medium = 20, weight_high = 40, weight_critical = 70;
  // Verdict levels by total score.
  double review_threshold = 20, suspicious_threshold = 50, puppeteered_threshold = 90;
  // Context (timezone, layout, hours) and fleet findings are circumstantial:
  // each family adds at most this much, and without a signature or structure
  // finding of high severity a device is never called puppeteered.
  double context_cap = 40, fleet_cap = 60;
  // Presence checks (rules_presence.cpp): the family's cap, how long an
  // answer counts, the median reaction (reaction task) that looks like a
  // capture-encode-network loop rather than a person at the keyboard.
  double presence_cap = 45, presence_window_days = 14, presence_late_reaction_ms = 600;

  // Remote-control sessions: a kernel-measured RTT at or above this means the
  // person at the other end is far away.
  double remote_rtt_far_ms = 100;
  // Keystroke trains: share of intervals within 1 ms of the previous one.
  double regular_interval_share = 0.5;
  double regular_min_key_presses = 50;
  // Night in the assignee's local time: [night_start_hour, night_end_hour).
  double night_start_hour = 0, night_end_hour = 6;
  double night_share = 0.3, night_min_events = 200;
  // 24/7 activity: share of hours with input over at least this span.
  double always_active_min_span_hours = 48, always_active_share = 0.9;
  // Behaviour (rules_behaviour.cpp). Input provenance: at least this share of
  // key and pointer events from external USB or virtual devices, over at least
  // this many events on this many UTC days.
  double provenance_external_share = 0.95, provenance_min_events = 500, provenance_min_days = 2;
  // Lid closed: key presses over USB while closed, and their share of all
  // key presses made while closed.
  double lid_closed_min_keys = 200, lid_closed_usb_share = 0.95;
  // Delivery bursts: share of key-to-key intervals under 3 ms, over at least
  // this many intervals.
  double burst_share = 0.05, burst_min_intervals = 200;
  // Absolute teleports: share of absolute moves that jump a quarter of the
  // axis range, over at least this many moves.
  double teleport_share = 0.05, teleport_min_moves = 100;
  // Hour-of-day histogram: share of input in the assignee's night
  // [night_start_hour, night_end_hour), on at least this many local days.
  double night_hours_share = 0.5, night_hours_min_days = 3;
  // Laptop and assignee zones differing by at least this much.
  double timezone_mismatch_hours = 1;
  // A VM guest reporting where a company laptop is expected.
  bool expect_laptops = true;

  // Fleet rules.
  double shared_network_min_assignees = 3;
  double shared_network_min_span_hours = 72;  // shorter sharing is a hotel or an offsite
  double shared_serial_min_devices = 2;
  // A device's claim of a monitor or KVM serial is corroborated once it
  // showed the same hardware (same fingerprint) in this many snapshots over
  // this many hours; only corroborated claims form a shared-serial cluster.
  double shared_serial_min_reports = 3;
  double shared_serial_min_span_hours = 6;
  // A serial seen with this many different fingerprints is a model-wide
  // placeholder ("0000000001"), not an identity: it neither clusters nor
  // convicts anyone of borrowing it.
  double shared_serial_placeholder_fingerprints = 3;
  double silence_gap_minutes = 120;   // longer than any report or heartbeat interval
  double silence_slot_minutes = 15;     // gaps starting and ending in the same slots coincide
  double silence_min_devices = 3;
  double silence_min_events = 2;        // a single coincidence may be a regional outage
  std::vector<std::string> known_shared_networks;  // office gateway MACs / egress IPs / BSSIDs
  // Presence checks answered one after another by what looks like one person
  // (rules_presence_fleet.cpp): laptops of different assignees, each busy at
  // least presence_sequence_min_busy_seconds (the reaction task; a key press
  // or a lid is too short to tell), each next one answered within
  // presence_sequence_max_hop_seconds of the previous one's end while it had
  // been waiting. A chain that is presence_sequence_min_share of its round
  // and presence_sequence_min_devices_one_round long counts at once; the same
  // presence_sequence_min_devices laptops in a row in two rounds count too.
  double presence_sequence_min_devices = 3;
  double presence_sequence_min_devices_one_round = 4;
  double presence_sequence_min_busy_seconds = 6;
  double presence_sequence_max_hop_seconds = 20;
  double presence_sequence_min_share = 1.0;

  double severity_weight(std::string_view severity) const;
};

// Reads the [detect] table of a TOML document; other tables are ignored.
// Unknown keys and wrong types throw DetectConfigError naming file:line.
DetectConfig parse_detect_config(std::string_view toml_text, const std::string& name);
DetectConfig load_detect_config(const std::filesystem::path& path);

}  // namespace telltale::detect
