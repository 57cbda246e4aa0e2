#include "server/console/snapshot_changes.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <map>
#include <set>

#include "platform/common/hash.h"

namespace telltale::server::console {
namespace json = boost::json;
namespace {

std::string hex4(uint32_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", v & 0xffff);
  return buf;
}

std::string usb_label(const telltale::v1::UsbDevice& u) {
  std::string s = hex4(u.vendor_id()) + ":" + hex4(u.product_id());
  if (u.has_manufacturer()) s += " " + u.manufacturer();
  if (u.has_product()) s += " " + u.product();
  if (u.has_serial() && !u.serial().empty()) s += " (serial " + u.serial() + ")";
  return s;
}

std::string short_connector(const std::string& c) {
  if (c.rfind("card", 0) == 0)
    if (auto dash = c.find('-'); dash != std::string::npos) return c.substr(dash + 1);
  return c;
}

std::string display_state(const telltale::v1::Display& d) {
  std::string s = d.status().empty() ? "unknown" : d.status();
  if (d.status() == "connected") s += d.enabled() ? ", enabled" : ", disabled";
  if (d.has_edid()) {
    const auto& e = d.edid();
    std::string mon = e.pnp_id();
    if (!e.monitor_name().empty()) mon += " \"" + e.monitor_name() + "\"";
    if (!e.serial_string().empty()) mon += " serial " + e.serial_string();
    if (!mon.empty()) s += ", " + mon;
  }
  return s;
}

std::string layouts(const telltale::v1::KeyboardContext& k) {
  std::string s;
  for (const auto& l : k.system_layouts())
    s += (s.empty() ? "" : ", ") + l.layout() + (l.variant().empty() ? "" : "(" + l.variant() + ")");
  return s.empty() ? "none" : s;
}

std::string input_methods(const telltale::v1::KeyboardContext& k) {
  std::set<std::string> all;
  for (const auto& u : k.users())
    for (const auto& m : u.input_methods()) all.insert(m.framework() + "/" + m.name());
  std::string s;
  for (auto& m : all) s += (s.empty() ? "" : ", ") + m;
  return s.empty() ? "none" : s;
}

const char* tool_state(const telltale::v1::RemoteAccessTool& t) {
  if (t.connected()) return "connected";
  if (t.listening()) return "listening";
  if (t.running()) return "running";
  if (t.installed()) return "installed";
  return "traces only";
}

}  // namespace

std::vector<StateChange> state_changes(const telltale::v1::Snapshot& a, const telltale::v1::Snapshot& b) {
  std::vector<StateChange> out;
  // USB, by port: a different device on the same port is an unplug and a plug.
  std::map<std::string, const telltale::v1::UsbDevice*> ua, ub;
  for (const auto& u : a.usb_devices())
    if (u.port_path().rfind("usb", 0) != 0) ua[u.port_path()] = &u;
  for (const auto& u : b.usb_devices())
    if (u.port_path().rfind("usb", 0) != 0) ub[u.port_path()] = &u;
  auto same = [](const telltale::v1::UsbDevice* x, const telltale::v1::UsbDevice* y) {
    return x->vendor_id() == y->vendor_id() && x->product_id() == y->product_id() && x->serial() == y->serial();
  };
  for (auto& [port, u] : ua)
    if (!ub.count(port) || !same(u, ub[port]))
      out.push_back({"usb.unplugged", "USB unplugged from " + port + ": " + usb_label(*u), port});
  for (auto& [port, u] : ub)
    if (!ua.count(port) || !same(ua[port], u))
      out.push_back({"usb.plugged", "USB plugged into " + port + ": " + usb_label(*u), port});
  // Displays, by connector.
  std::map<std::string, std::string> da, db;
  for (const auto& d : a.displays()) da[d.connector()] = display_state(d);
  for (const auto& d : b.displays()) db[d.connector()] = display_state(d);
  for (auto& [conn, now] : db) {
    auto was = da.count(conn) ? da[conn] : "absent";
    if (was != now)
      out.push_back({"display.changed", "Display " + short_connector(conn) + ": " + now + " (was " + was + ")", conn});
  }
  for (auto& [conn, was] : da)
    if (!db.count(conn)) out.push_back({"display.changed", "Display " + short_connector(conn) + " gone (was " + was + ")", conn});
  if (a.time().iana_zone() != b.time().iana_zone())
    out.push_back({"timezone.changed", "Time zone " + (a.time().iana_zone().empty() ? "unknown" : a.time().iana_zone()) +
                                           " → " + (b.time().iana_zone().empty() ? "unknown" : b.time().iana_zone()),
                   "time"});
  if (layouts(a.keyboard()) != layouts(b.keyboard()))
    out.push_back({"layout.changed", "Keyboard layouts " + layouts(a.keyboard()) + " → " + layouts(b.keyboard()), "layouts"});
  if (input_methods(a.keyboard()) != input_methods(b.keyboard()))
    out.push_back({"input_method.changed",
                   "Input methods " + input_methods(a.keyboard()) + " → " + input_methods(b.keyboard()), "ime"});
  std::map<std::string, const telltale::v1::RemoteAccessTool*> ra, rb;
  for (const auto& t : a.remote_access()) ra[t.tool_id()] = &t;
  for (const auto& t : b.remote_access()) rb[t.tool_id()] = &t;
  for (auto& [id, t] : rb) {
    std::string name = t->name().empty() ? id : t->name();
    std::string was = ra.count(id) ? tool_state(*ra[id]) : "not found";
    std::string now = tool_state(*t);
    if (was == now) continue;
    out.push_back({t->connected() ? "remote.session" : "remote.changed",
                   t->connected() ? "Remote session: " + name + " connected (was " + was + ")"
                                  : name + " " + now + " (was " + was + ")",
                   id});
  }
  for (auto& [id, t] : ra)
    if (!rb.count(id))
      out.push_back({"remote.changed", (t->name().empty() ? id : t->name()) + " no longer found (was " + tool_state(*t) + ")", id});
  if (a.lid().present() && b.lid().present() && a.lid().closed() != b.lid().closed())
    out.push_back({b.lid().closed() ? "lid.closed" : "lid.opened", b.lid().closed() ? "Lid closed" : "Lid opened", "lid"});
  const auto& na = a.network();
  const auto& nb = b.network();
  if (na.default_gateway_mac() != nb.default_gateway_mac() || na.wifi_bssid() != nb.wifi_bssid()) {
    auto where = [](const telltale::v1::NetworkContext& n) {
      std::string s = n.default_gateway_ip().empty() ? "no gateway" : "gateway " + n.default_gateway_ip();
      if (!n.default_gateway_mac().empty()) s += " (" + n.default_gateway_mac() + ")";
      if (!n.wifi_bssid().empty()) s += ", Wi-Fi " + n.wifi_bssid();
      return s;
    };
    out.push_back({"network.changed", "Network " + where(na) + " → " + where(nb), "network"});
  }
  return out;
}

std::string describe_binary(const std::string& bytes) {
  return "sha256 " + sha256_hex(bytes) + ", " + std::to_string(bytes.size()) + " bytes";
}

namespace {

std::string b64decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) continue;  // '=' padding
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// The element key of a list, by list name; lists not named here are one value.
const char* list_key(std::string_view list) {
  static const std::map<std::string_view, const char*> keys{
      {"usb_devices", "port_path"}, {"displays", "connector"}, {"interfaces", "name"}, {"remote_access", "tool_id"},
      {"system_layouts", "layout"}, {"users", "user"},           {"input_devices", "name"}};
  auto it = keys.find(list);
  return it == keys.end() ? nullptr : it->second;
}

void flatten(const json::value& v, const std::string& path, std::string_view name, std::map<std::string, std::string>& out) {
  if (v.is_object()) {
    for (auto& [k, x] : v.as_object()) flatten(x, path.empty() ? std::string(k) : path + "." + std::string(k), k, out);
    return;
  }
  if (v.is_array()) {
    const char* key = list_key(name);
    const auto& arr = v.as_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string id = std::to_string(i);
      if (key && arr[i].is_object())
        if (auto* k = arr[i].as_object().if_contains(key); k && k->is_string()) id = std::string(k->as_string());
      flatten(arr[i], path + "[" + id + "]", {}, out);
    }
    return;
  }
  if (v.is_string()) {
    std::string s(v.as_string());
    // Bytes print as base64 in proto JSON: a 2,000-character line a page cannot hold.
    if (name.size() > 4 && name.substr(name.size() - 4) == "_raw") s = describe_binary(b64decode(s));
    out[path] = s;
    return;
  }
  out[path] = json::serialize(v);
}

std::map<std::string, std::string> flat(const telltale::v1::Snapshot& s, bool all) {
  std::string text;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(s, &text, opts);
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  std::map<std::string, std::string> out;
  if (ec || !v.is_object()) return out;
  if (!all)
    for (auto noisy : {"collected_at_unix_ms", "health", "latency", "input_activity"}) v.as_object().erase(noisy);
  flatten(v, "", {}, out);
  return out;
}

}  // namespace

std::string describe_base64(const std::string& base64) { return describe_binary(b64decode(base64)); }

std::vector<FieldChange> snapshot_diff(const telltale::v1::Snapshot& a, const telltale::v1::Snapshot& b, bool all) {
  auto fa = flat(a, all), fb = flat(b, all);
  std::vector<FieldChange> out;
  for (auto& [path, before] : fa) {
    auto it = fb.find(path);
    if (it == fb.end()) out.push_back({path, "removed", before, ""});
    else if (it->second != before) out.push_back({path, "changed", before, it->second});
  }
  for (auto& [path, after] : fb)
    if (!fa.count(path)) out.push_back({path, "added", "", after});
  std::sort(out.begin(), out.end(), [](const FieldChange& x, const FieldChange& y) { return x.path < y.path; });
  return out;
}

}  // namespace telltale::server::console
