#include "server/detect/catalog.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "server/detect/embedded_catalog.h"

namespace telltale::detect {
namespace {

const std::set<std::string, std::less<>> kSeverities = {"info", "low", "medium", "high", "critical"};

// Reads one [[section]] entry, remembering which keys were consumed so that
// a misspelt key is an error instead of a silently ignored signature.
class EntryReader {
 public:
  EntryReader(const toml::table& t, const std::string& file, std::string section)
      : t_(t), file_(file), section_(std::move(section)) {}

  [[noreturn]] void fail(const toml::node* at, const std::string& what) const {
    int line = at ? static_cast<int>(at->source().begin.line) : line_of_table();
    std::string who = id_.empty() ? "[[" + section_ + "]]" : "entry " + id_;
    throw CatalogError(file_ + ":" + std::to_string(line) + ": " + who + ": " + what);
  }
  int line_of_table() const { return static_cast<int>(t_.source().begin.line); }

  std::string str(std::string_view key, bool required) {
    seen_.insert(std::string(key));
    const toml::node* n = t_.get(key);
    if (!n) {
      if (required) fail(nullptr, "missing \"" + std::string(key) + "\"");
      return {};
    }
    auto v = n->value<std::string>();
    if (!v || !n->is_string()) fail(n, "\"" + std::string(key) + "\" must be a string");
    if (required && v->empty()) fail(n, "\"" + std::string(key) + "\" is empty");
    return *v;
  }

  std::vector<std::string> strings(std::string_view key) {
    seen_.insert(std::string(key));
    std::vector<std::string> out;
    const toml::node* n = t_.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) fail(n, "\"" + std::string(key) + "\" must be an array of strings");
    for (const auto& e : *a) {
      if (!e.is_string()) fail(&e, "\"" + std::string(key) + "\" must hold only strings");
      out.push_back(*e.value<std::string>());
    }
    return out;
  }

  std::optional<int64_t> integer(std::string_view key) {
    seen_.insert(std::string(key));
    const toml::node* n = t_.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) fail(n, "\"" + std::string(key) + "\" must be an integer");
    return *n->value<int64_t>();
  }

  std::vector<uint32_t> ports(std::string_view key) {
    seen_.insert(std::string(key));
    std::vector<uint32_t> out;
    const toml::node* n = t_.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) fail(n, "\"" + std::string(key) + "\" must be an array of integers");
    for (const auto& e : *a) {
      auto v = e.value<int64_t>();
      if (!e.is_integer() || !v || *v < 1 || *v > 65535) fail(&e, "port is not an integer 1..65535");
      out.push_back(static_cast<uint32_t>(*v));
    }
    return out;
  }

  bool boolean(std::string_view key) {
    seen_.insert(std::string(key));
    const toml::node* n = t_.get(key);
    if (!n) return false;
    if (!n->is_boolean()) fail(n, "\"" + std::string(key) + "\" must be true or false");
    return *n->value<bool>();
  }

  std::optional<uint16_t> hex16(std::string_view key) {
    std::string s = str(key, false);
    if (s.empty() && !t_.get(key)) return std::nullopt;
    bool ok = s.size() == 4 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
    if (!ok) fail(t_.get(key), std::string(key) + " \"" + s + "\" is not 4 hex digits");
    return static_cast<uint16_t>(std::stoul(s, nullptr, 16));
  }

  std::vector<uint16_t> hex16_list(std::string_view key) {
    std::vector<uint16_t> out;
    for (const auto& s : strings(key)) {
      bool ok = s.size() == 4 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
      if (!ok) fail(t_.get(key), std::string(key) + " entry \"" + s + "\" is not 4 hex digits");
      out.push_back(static_cast<uint16_t>(std::stoul(s, nullptr, 16)));
    }
    return out;
  }

  void base(EntryBase& e, std::string_view id_prefix) {
    e.line = line_of_table();
    e.id = str("id", true);
    id_ = e.id;
    if (!e.id.starts_with(id_prefix))
      fail(t_.get("id"), "id must start with \"" + std::string(id_prefix) + "\"");
    e.title = str("title", true);
    e.severity = str("severity", true);
    if (!kSeverities.count(e.severity))
      fail(t_.get("severity"), "severity \"" + e.severity + "\" is not one of info, low, medium, high, critical");
    e.source = str("source", true);
  }

  void one_of(const std::string& value, std::string_view key, std::initializer_list<std::string_view> allowed) {
    for (auto a : allowed)
      if (value == a) return;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    fail(t_.get(key), std::string(key) + " \"" + value + "\" is not one of " + list);
  }

  void finish() const {
    for (const auto& [k, v] : t_)
      if (!seen_.count(std::string(k.str())))
        fail(&v, "unknown key \"" + std::string(k.str()) + "\"");
  }

 private:
  const toml::table& t_;
  const std::string& file_;
  std::string section_;
  std::string id_;
  std::set<std::string, std::less<>> seen_;
};

template <typename Fn>
void each_entry(const toml::table& root, const std::string& file, std::string_view section, Fn&& fn) {
  const toml::node* n = root.get(section);
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a || !a->is_array_of_tables())
    throw CatalogError(file + ":" + std::to_string(n->source().begin.line) + ": \"" + std::string(section) +
                       "\" must be written as [[" + std::string(section) + "]] tables");
  for (const auto& e : *a) {
    EntryReader r(*e.as_table(), file, std::string(section));
    fn(r);
    r.finish();
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

Catalog Catalog::parse(std::string_view text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw CatalogError(name + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  Catalog c;
  static const std::set<std::string, std::less<>> kSections = {"version", "usb", "edid", "remote_tool",
                                                               "input_method", "zone", "region", "brand",
                                                               "indicator", "hid_layout", "mac_prefix", "behaviour", "presence"};
  for (const auto& [k, v] : root)
    if (!kSections.count(k.str()))
      throw CatalogError(name + ":" + std::to_string(v.source().begin.line) + ": unknown section \"" +
                         std::string(k.str()) + "\"");
  const toml::node* version = root.get("version");
  if (!version || !version->is_string() || version->value<std::string>()->empty())
    throw CatalogError(name + ":1: missing top-level version = \"…\"");
  c.version_ = *version->value<std::string>();

  each_entry(root, name, "usb", [&](EntryReader& r) {
    UsbSignature s;
    r.base(s, "usb.");
    s.kind = r.str("kind", true);
    r.one_of(s.kind, "kind", {"ip_kvm", "bmc_virtual", "gadget", "hid_emulator"});
    s.vid = r.hex16("vid");
    s.pid = r.hex16("pid");
    s.manufacturer = r.str("manufacturer", false);
    s.product = r.str("product", false);
    s.serial = r.str("serial", false);
    if (!s.vid && s.manufacturer.empty() && s.product.empty())
      r.fail(nullptr, "needs vid or a manufacturer/product string to match on");
    if (s.pid && !s.vid) r.fail(nullptr, "pid without vid");
    c.usb_.push_back(std::move(s));
  });
  each_entry(root, name, "edid", [&](EntryReader& r) {
    EdidSignature s;
    r.base(s, "edid.");
    s.kind = r.str("kind", true);
    r.one_of(s.kind, "kind", {"ip_kvm", "capture"});
    s.pnp = r.str("pnp", false);
    if (!s.pnp.empty() && (s.pnp.size() != 3 || !std::all_of(s.pnp.begin(), s.pnp.end(), [](unsigned char ch) {
                             return ch >= 'A' && ch <= 'Z';
                           })))
      r.fail(nullptr, "pnp \"" + s.pnp + "\" is not three capital letters");
    s.product_code = r.hex16("product_code");
    s.monitor_name = r.str("monitor_name", false);
    s.serial_string = r.str("serial_string", false);
    if (s.pnp.empty() && s.monitor_name.empty()) r.fail(nullptr, "needs pnp or monitor_name to match on");
    c.edid_.push_back(std::move(s));
  });
  each_entry(root, name, "remote_tool", [&](EntryReader& r) {
    RemoteTool t;
    t.line = r.line_of_table();
    t.category = r.str("category", true);
    r.one_of(t.category, "category", {"remote_control", "vpn", "tunnel"});
    // Ids are the agents' watchlist ids ("remote.tailscale"); only VPNs named
    // in reporting have their own prefix.
    r.base(t, t.category == "vpn" ? "vpn." : "remote.");
    t.name = r.str("name", true);
    t.linux_processes = r.strings("linux_processes");
    t.linux_paths = r.strings("linux_paths");
    t.linux_services = r.strings("linux_services");
    t.macos = r.strings("macos");
    t.windows = r.strings("windows");
    t.windows_services = r.strings("windows_services");
    for (const auto& p : t.linux_paths)
      if (!p.starts_with("/")) r.fail(nullptr, "linux_paths entry \"" + p + "\" is not absolute");
    // Agents match a unit exactly, "name" as "name.service", or "name@" as a
    // template prefix; nothing else would ever match.
    for (const auto& u : t.linux_services)
      if (u.empty() || u.find('/') != std::string::npos || u.back() == '-' || u.back() == '.')
        r.fail(nullptr, "linux_services entry \"" + u + "\" is not a unit name, \"name.service\" or template \"name@\"");
    t.ports = r.ports("ports");
    c.tools_.push_back(std::move(t));
  });
  each_entry(root, name, "input_method", [&](EntryReader& r) {
    InputMethodSignature s;
    r.base(s, "ime.");
    s.language = r.str("language", true);
    s.xkb_layouts = r.strings("xkb_layouts");
    s.engines = r.strings("engines");
    s.macos = r.strings("macos");
    s.windows_klids = r.strings("windows_klids");
    for (const auto& k : s.windows_klids)
      if (k.size() != 8 || !std::all_of(k.begin(), k.end(), [](unsigned char ch) { return std::isxdigit(ch); }))
        r.fail(nullptr, "windows_klids entry \"" + k + "\" is not 8 hex digits");
    c.input_methods_.push_back(std::move(s));
  });
  each_entry(root, name, "zone", [&](EntryReader& r) {
    ZoneInfo z;
    r.base(z, "tz.");
    z.country = r.str("country", true);
    auto off = r.integer("std_offset_minutes");
    if (!off || *off < -720 || *off > 840) r.fail(nullptr, "std_offset_minutes missing or outside -720..840");
    z.std_offset_minutes = static_cast<int>(*off);
    z.dst = r.str("dst", true);
    r.one_of(z.dst, "dst", {"none", "us", "eu"});
    z.of_interest = r.boolean("of_interest");
    c.zones_.push_back(std::move(z));
  });
  each_entry(root, name, "region", [&](EntryReader& r) {
    Region g;
    r.base(g, "region.");
    g.code = r.str("code", true);
    g.languages = r.strings("languages");
    auto rtt = r.integer("max_collector_rtt_ms");
    if (!rtt || *rtt <= 0) r.fail(nullptr, "max_collector_rtt_ms missing or not positive");
    g.max_collector_rtt_ms = static_cast<uint32_t>(*rtt);
    c.regions_.push_back(std::move(g));
  });
  each_entry(root, name, "brand", [&](EntryReader& r) {
    Brand b;
    r.base(b, "brand.");
    b.names = r.strings("names");
    for (auto& n : b.names) n = lower(n);
    b.vids = r.hex16_list("vids");
    if (b.names.empty() || b.vids.empty()) r.fail(nullptr, "needs names and vids");
    c.brands_.push_back(std::move(b));
  });
  each_entry(root, name, "behaviour", [&](EntryReader& r) {
    BehaviourIndicator b;
    r.base(b, "behaviour.");
    b.false_positive = r.str("false_positive", true);
    c.behaviours_.push_back(std::move(b));
  });
  // Presence-check results read like behaviour: a title, a weight and the
  // ordinary situation that looks the same.
  each_entry(root, name, "presence", [&](EntryReader& r) {
    BehaviourIndicator b;
    r.base(b, "presence.");
    b.false_positive = r.str("false_positive", true);
    c.behaviours_.push_back(std::move(b));
  });

  each_entry(root, name, "indicator", [&](EntryReader& r) {
    IndicatorEntry e;
    e.line = r.line_of_table();
    e.family = r.str("family", true);
    r.one_of(e.family, "family", {"usb", "network"});
    r.base(e, e.family + ".");
    c.indicators_.push_back(std::move(e));
  });
  auto all_hex = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char ch) { return std::isxdigit(ch) && !std::isupper(ch); });
  };
  each_entry(root, name, "hid_layout", [&](EntryReader& r) {
    HidLayout h;
    r.base(h, "hid_layout.");
    h.vendor = r.str("vendor", true);
    h.sha256 = r.str("sha256", true);
    h.description = r.str("description", true);
    if (h.sha256.size() != 64 || !all_hex(h.sha256)) r.fail(nullptr, "sha256 is not 64 lowercase hex digits");
    c.hid_layouts_.push_back(std::move(h));
  });
  each_entry(root, name, "mac_prefix", [&](EntryReader& r) {
    MacPrefix m;
    r.base(m, "mac.");
    m.vendor = r.str("vendor", true);
    m.prefix = r.str("prefix", true);
    m.weak = r.boolean("weak");
    if (m.prefix.size() < 6 || m.prefix.size() > 9 || !all_hex(m.prefix))
      r.fail(nullptr, "prefix \"" + m.prefix + "\" is not 6 to 9 lowercase hex digits without separators");
    c.mac_prefixes_.push_back(std::move(m));
  });

  std::map<std::string, int> ids;
  auto check_dup = [&](const EntryBase& e) {
    auto [it, fresh] = ids.emplace(e.id, e.line);
    if (!fresh)
      throw CatalogError(name + ":" + std::to_string(e.line) + ": entry " + e.id + ": duplicate id (first defined on line " +
                         std::to_string(it->second) + ")");
  };
  for (const auto& e : c.usb_) check_dup(e);
  for (const auto& e : c.edid_) check_dup(e);
  for (const auto& e : c.tools_) check_dup(e);
  for (const auto& e : c.input_methods_) check_dup(e);
  for (const auto& e : c.zones_) check_dup(e);
  for (const auto& e : c.regions_) check_dup(e);
  for (const auto& e : c.brands_) check_dup(e);
  for (const auto& e : c.indicators_) check_dup(e);
  for (const auto& e : c.hid_layouts_) check_dup(e);
  for (const auto& e : c.mac_prefixes_) check_dup(e);
  for (const auto& e : c.behaviours_) check_dup(e);

  for (size_t i = 0; i < c.tools_.size(); ++i) c.tool_index_.emplace(c.tools_[i].id, i);
  for (size_t i = 0; i < c.zones_.size(); ++i) {
    // Zone ids are "tz." + the IANA name, so the name is the lookup key.
    c.zone_index_.emplace(c.zones_[i].id.substr(3), i);
  }
  for (size_t i = 0; i < c.regions_.size(); ++i) {
    if (!c.region_index_.emplace(c.regions_[i].code, i).second)
      throw CatalogError(name + ":" + std::to_string(c.regions_[i].line) + ": entry " + c.regions_[i].id +
                         ": region code " + c.regions_[i].code + " defined twice");
  }
  return c;
}

Catalog Catalog::load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CatalogError(path.string() + ": cannot open catalog file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path.filename().string());
}

const Catalog& Catalog::builtin() {
  static const Catalog c = parse(embedded_catalog_text(), "catalog.toml");
  return c;
}

const RemoteTool* Catalog::find_tool(std::string_view id) const {
  auto it = tool_index_.find(id);
  return it == tool_index_.end() ? nullptr : &tools_[it->second];
}

const IndicatorEntry* Catalog::find_indicator(std::string_view id) const {
  auto it = std::find_if(indicators_.begin(), indicators_.end(), [&](const auto& e) { return e.id == id; });
  return it == indicators_.end() ? nullptr : &*it;
}

const HidLayout* Catalog::find_hid_layout(std::string_view sha256) const {
  auto it = std::find_if(hid_layouts_.begin(), hid_layouts_.end(), [&](const auto& e) { return e.sha256 == sha256; });
  return it == hid_layouts_.end() ? nullptr : &*it;
}

const MacPrefix* Catalog::find_mac_prefix(std::string_view mac) const {
  std::string digits;
  for (char ch : mac) {
    if (std::isxdigit(static_cast<unsigned char>(ch))) digits.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    else if (ch != ':' && ch != '-' && ch != '.') return nullptr;
  }
  if (digits.size() != 12) return nullptr;
  const MacPrefix* best = nullptr;
  for (const auto& m : mac_prefixes_)
    if (digits.starts_with(m.prefix) && (!best || m.prefix.size() > best->prefix.size())) best = &m;
  return best;
}

const ZoneInfo* Catalog::find_zone(std::string_view name) const {
  auto it = zone_index_.find(name);
  return it == zone_index_.end() ? nullptr : &zones_[it->second];
}

const BehaviourIndicator* Catalog::find_behaviour(std::string_view id) const {
  for (const auto& b : behaviours_)
    if (b.id == id) return &b;
  return nullptr;
}

const Region* Catalog::find_region(std::string_view code) const {
  auto country = code.substr(0, code.find('-'));
  auto it = region_index_.find(country);
  return it == region_index_.end() ? nullptr : &regions_[it->second];
}

telltale::v1::Watchlist Catalog::watchlist() const {
  telltale::v1::Watchlist w;
  w.set_version(version_);
  for (const auto& t : tools_) {
    if (t.linux_processes.empty() && t.linux_paths.empty() && t.linux_services.empty()) continue;
    auto* out = w.add_tools();
    out->set_id(t.id);
    out->set_name(t.name);
    for (const auto& p : t.linux_processes) out->add_process_names(p);
    for (const auto& p : t.linux_paths) out->add_paths(p);
    for (const auto& s : t.linux_services) out->add_services(s);
    for (auto p : t.ports) out->add_ports(p);
  }
  return w;
}

}  // namespace telltale::detect
