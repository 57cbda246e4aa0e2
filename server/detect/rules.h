#pragma once
// Internal interface between the engine and the rule families (one file per
// family). Each family reads the same input and appends indicators.
#include <map>
#include <string>
#include <string_view>

#include "server/detect/engine.h"

namespace telltale::detect {

struct RuleInput {
  const telltale::v1::Snapshot& snap;
  const DeviceContext& ctx;
  const Catalog& catalog;
  const DetectConfig& config;
  int64_t now_unix_ms;
};

// Collects indicators; one indicator per id, a second match of the same id
// adds its facts and keeps the higher confidence.
class Findings {
 public:
  explicit Findings(const DetectConfig& config) : config_(config) {}
  telltale::v1::Indicator& add(std::string_view id, std::string_view title, std::string_view severity,
                               double confidence, std::string_view category);
  static void fact(telltale::v1::Indicator& ind, std::string key, std::string value);
  std::vector<telltale::v1::Indicator> take();

 private:
  const DetectConfig& config_;
  std::vector<telltale::v1::Indicator> items_;
  std::map<std::string, size_t, std::less<>> index_;
};

void signature_rules(const RuleInput& in, Findings& out);
void structure_rules(const RuleInput& in, Findings& out);
void context_rules(const RuleInput& in, Findings& out);
void fleet_rules(const RuleInput& in, Findings& out);
// How the input arrives: provenance, lid, delivery bursts, teleports, hours.
void behaviour_rules(const RuleInput& in, Findings& out);
// Capture devices and KVMs by EDID structure (part of the structure family).
void display_capture_rules(const RuleInput& in, Findings& out);
// USB structure real keyboards never have: class combinations, KVM gadget
// report layouts, gadget defaults, KVM names as a family (rules_usb_gadget.cpp).
void usb_gadget_rules(const RuleInput& in, Findings& out);
// KVM makers' MAC prefixes among the laptop's LAN neighbours (rules_network_neighbours.cpp).
void network_neighbour_rules(const RuleInput& in, Findings& out);
// An indicator whose title, severity and false-positive text come from the
// catalog's [[behaviour]] or [[presence]] entry `id`; null (the rule is off)
// when the catalog has no such entry (rules_behaviour.cpp).
telltale::v1::Indicator* add_catalog_behaviour(const RuleInput& in, Findings& out, std::string_view id,
                                               double confidence, std::string_view category);
// How the laptop answered its latest presence check (rules_presence.cpp).
void presence_rules(const RuleInput& in, Findings& out);

// "usb 1-2: 1d6b:0104 PiKVM Composite Device"
std::string usb_label(const telltale::v1::UsbDevice& d);
std::string lower(std::string_view s);
// A unix time in UTC with a strftime format ("%Y-%m-%d %H:%M UTC"); "-" for 0 or earlier.
std::string utc_time(int64_t unix_ms, const char* format);
std::string hex4(uint32_t v);

}  // namespace telltale::detect

namespace telltale::detect {
// Fleet correlation behind Engine::correlate (rules_fleet.cpp).
std::vector<telltale::v1::Cluster> correlate_fleet(const std::vector<FleetDevice>& fleet, const DetectConfig& config);
// Laptops whose presence checks one person answered in turn (rules_presence_fleet.cpp).
void answered_in_sequence(const std::vector<FleetDevice>& fleet, const DetectConfig& config,
                          std::vector<telltale::v1::Cluster>& out);
// USB devices whose identity or shape says KVM (shared by fleet_device_from_snapshot).
bool has_kvm_traces(const telltale::v1::UsbDevice& d, const Catalog& catalog);
}  // namespace telltale::detect
