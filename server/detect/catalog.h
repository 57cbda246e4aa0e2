#pragma once
// The detection catalog: a versioned data file (catalog/catalog.toml) of
// signatures with stable ids and a public source for each. The default file is
// compiled into the binary; another can be loaded by path. Loading validates
// the whole file and names the line of the first problem.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "telltale/v1/telemetry.pb.h"

namespace telltale::detect {

class CatalogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every entry carries these.
struct EntryBase {
  std::string id;
  std::string title;
  std::string severity;  // info, low, medium, high, critical
  std::string source;    // URL or record name of the public fact
  int line = 0;          // where it was defined, for messages
};

// A USB device identity. Every field that is set must match (strings compare
// case-insensitively and exactly); an entry with only strings still matches a
// device whose IDs were spoofed.
struct UsbSignature : EntryBase {
  std::string kind;  // ip_kvm, bmc_virtual, gadget, hid_emulator
  std::optional<uint16_t> vid, pid;
  std::string manufacturer, product, serial;
};

struct EdidSignature : EntryBase {
  std::string kind;  // ip_kvm, capture
  std::string pnp;   // three letters
  std::optional<uint16_t> product_code;
  std::string monitor_name, serial_string;
};

struct RemoteTool : EntryBase {
  std::string name;
  std::string category;  // remote_control, vpn, tunnel
  std::vector<std::string> linux_processes, linux_paths, linux_services;
  std::vector<std::string> macos, windows;  // bundle ids / executable names (for other agents)
  std::vector<std::string> windows_services;  // Windows service (SCM) names
  std::vector<uint32_t> ports;
};

struct InputMethodSignature : EntryBase {
  std::string language;  // ISO 639-1
  std::vector<std::string> xkb_layouts, engines, macos, windows_klids;
};

// A timezone the detector can compute offsets for without a tz database.
struct ZoneInfo : EntryBase {
  std::string country;   // ISO 3166-1 alpha-2
  int std_offset_minutes = 0;
  std::string dst;       // "none", "us", "eu"
  bool of_interest = false;  // named in public reporting on remote-worker fraud
};

struct Region : EntryBase {
  std::string code;  // "US"; assignments may add a subdivision ("US-NY")
  std::vector<std::string> languages;
  uint32_t max_collector_rtt_ms = 0;  // above this the laptop is unlikely to sit in the region
};

// A keyboard brand: its name in USB strings and the vendor ids it ships under.
struct Brand : EntryBase {
  std::vector<std::string> names;  // lowercase substrings of manufacturer/product
  std::vector<uint16_t> vids;
};

// A structure rule's own entry: what the indicator says and why (its rule is
// code; the entry holds its title, severity and the public source of the fact).
struct IndicatorEntry : EntryBase {
  std::string family;  // usb, network, …
};

// A HID report descriptor an IP-KVM gives its Linux USB gadget, by SHA-256 of
// the raw bytes. Only layouts no real device in the vendored corpus shares.
struct HidLayout : EntryBase {
  std::string vendor;        // "PiKVM"
  std::string sha256;        // 64 lowercase hex digits
  std::string description;   // "absolute mouse, 8 buttons, X/Y 0..32767, wheel"
};

// A MAC address prefix (OUI, or a longer MA-M/MA-S block) of a KVM maker or
// of a board KVMs are built on.
struct MacPrefix : EntryBase {
  std::string vendor;
  std::string prefix;  // lowercase hex digits, no separators: "04c98b1" (28 bits), "305253"
  bool weak = false;   // a general-purpose board (Raspberry Pi): evidence only together with more
};

// A behaviour indicator (rules_behaviour.cpp): its title, weight and the
// public facts it rests on live here; its thresholds live in DetectConfig.
struct BehaviourIndicator : EntryBase {
  std::string false_positive;  // the ordinary situation that looks the same, in plain words
};

class Catalog {
 public:
  // Parses and validates; `name` is used in messages ("catalog.toml:12: …").
  static Catalog parse(std::string_view text, const std::string& name);
  static Catalog load_file(const std::filesystem::path& path);
  // The catalog compiled into the binary (server/detect/catalog/catalog.toml).
  static const Catalog& builtin();

  const std::string& version() const { return version_; }
  const std::vector<UsbSignature>& usb() const { return usb_; }
  const std::vector<EdidSignature>& edid() const { return edid_; }
  const std::vector<RemoteTool>& remote_tools() const { return tools_; }
  const std::vector<InputMethodSignature>& input_methods() const { return input_methods_; }
  const std::vector<ZoneInfo>& zones() const { return zones_; }
  const std::vector<Region>& regions() const { return regions_; }
  const std::vector<Brand>& brands() const { return brands_; }
  const std::vector<IndicatorEntry>& indicators() const { return indicators_; }
  const std::vector<HidLayout>& hid_layouts() const { return hid_layouts_; }
  const std::vector<MacPrefix>& mac_prefixes() const { return mac_prefixes_; }
  const IndicatorEntry* find_indicator(std::string_view id) const;
  const HidLayout* find_hid_layout(std::string_view sha256) const;
  // The longest catalogued prefix of a MAC address ("30:52:53:aa:bb:cc"), or null.
  const MacPrefix* find_mac_prefix(std::string_view mac) const;
  const std::vector<BehaviourIndicator>& behaviours() const { return behaviours_; }
  const BehaviourIndicator* find_behaviour(std::string_view id) const;

  const RemoteTool* find_tool(std::string_view id) const;
  const ZoneInfo* find_zone(std::string_view name) const;
  // "US-NY" finds "US".
  const Region* find_region(std::string_view code) const;

  // What the agents should look for on Linux (ConfigUpdate.watchlist).
  telltale::v1::Watchlist watchlist() const;

 private:
  std::string version_;
  std::vector<UsbSignature> usb_;
  std::vector<EdidSignature> edid_;
  std::vector<RemoteTool> tools_;
  std::vector<InputMethodSignature> input_methods_;
  std::vector<ZoneInfo> zones_;
  std::vector<Region> regions_;
  std::vector<Brand> brands_;
  std::vector<IndicatorEntry> indicators_;
  std::vector<HidLayout> hid_layouts_;
  std::vector<MacPrefix> mac_prefixes_;
  std::vector<BehaviourIndicator> behaviours_;
  std::map<std::string, size_t, std::less<>> tool_index_, zone_index_, region_index_;
};

}  // namespace telltale::detect
