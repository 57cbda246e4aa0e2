// Catalog matches: known KVM/BMC USB identities, KVM and capture EDIDs,
// remote-access tools and VPNs the agent found, input methods and timezones
// of interest. Each is only as strong as an identity that can be spoofed,
// which is why structure_rules exist beside them.
#include <algorithm>
#include <set>

#include "server/detect/rules.h"

namespace telltale::detect {
namespace {

// USB strings compare as a family, not byte for byte: case, padding (spaces,
// NUL, 0xFF) and runs of blanks do not tell "PiKVM" from "PIKVM\0\0" or
// " JetKVM  USB Emulation Device ".
std::string folded(const std::string& s) {
  std::string out;
  bool gap = false;
  for (unsigned char c : s) {
    const bool blank = c <= 0x20 || c == 0x7F || c == 0xFF;
    if (blank) {
      gap = !out.empty();
      continue;
    }
    if (gap) out.push_back(' ');
    gap = false;
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  return out;
}

bool same_text(const std::string& want, bool has, const std::string& got) {
  return want.empty() || (has && folded(want) == folded(got));
}

bool matches(const UsbSignature& s, const telltale::v1::UsbDevice& d) {
  if (s.vid && *s.vid != d.vendor_id()) return false;
  if (s.pid && *s.pid != d.product_id()) return false;
  return same_text(s.manufacturer, d.has_manufacturer(), d.manufacturer()) &&
         same_text(s.product, d.has_product(), d.product()) && same_text(s.serial, d.has_serial(), d.serial());
}

bool matches(const EdidSignature& s, const telltale::v1::Edid& e) {
  if (!s.pnp.empty() && s.pnp != e.pnp_id()) return false;
  if (s.product_code && *s.product_code != e.product_code()) return false;
  // Each 0xFC/0xFF descriptor is its own string; the joined form (and older
  // agents, which only send it) matches too.
  auto any_equal = [](const auto& list, const std::string& joined, const std::string& want, bool fold) {
    auto eq = [&](const std::string& got) { return fold ? lower(got) == lower(want) : got == want; };
    return eq(joined) || std::any_of(list.begin(), list.end(), eq);
  };
  if (!s.monitor_name.empty() && !any_equal(e.monitor_names(), e.monitor_name(), s.monitor_name, true)) return false;
  if (!s.serial_string.empty() && !any_equal(e.serial_strings(), e.serial_string(), s.serial_string, false)) return false;
  return true;
}

std::string edid_label(const telltale::v1::Display& d) {
  const auto& e = d.edid();
  return e.pnp_id() + " " + hex4(e.product_code()) + (e.monitor_name().empty() ? "" : " \"" + e.monitor_name() + "\"") +
         (e.serial_string().empty() ? "" : " serial \"" + e.serial_string() + "\"");
}

void usb_signatures(const RuleInput& in, Findings& out) {
  for (const auto& d : in.snap.usb_devices()) {
    if (d.root_hub()) continue;
    for (const auto& s : in.catalog.usb()) {
      if (!matches(s, d)) continue;
      // An exact ID plus string match is as sure as identity gets; an ID or a
      // string alone can be a coincidence or a donor identity.
      bool ids = s.vid.has_value();
      bool strings = !s.manufacturer.empty() || !s.product.empty() || !s.serial.empty();
      double confidence = ids && strings ? 0.95 : 0.85;
      auto& ind = out.add(s.id, s.title, s.severity, confidence, "signature");
      Findings::fact(ind, "usb " + d.port_path(), usb_label(d));
      Findings::fact(ind, "catalog", s.source);
    }
  }
}

void edid_signatures(const RuleInput& in, Findings& out) {
  for (const auto& disp : in.snap.displays()) {
    if (!disp.has_edid() || disp.status() != "connected") continue;
    for (const auto& s : in.catalog.edid()) {
      if (!matches(s, disp.edid())) continue;
      bool id_and_name = !s.pnp.empty() && s.product_code.has_value();
      auto& ind = out.add(s.id, s.title, s.severity, id_and_name ? 0.9 : 0.8, "signature");
      Findings::fact(ind, "display " + disp.connector(), edid_label(disp));
      Findings::fact(ind, "catalog", s.source);
    }
  }
}

void remote_tools(const RuleInput& in, Findings& out) {
  for (const auto& t : in.snap.remote_access()) {
    const RemoteTool* entry = in.catalog.find_tool(t.tool_id());
    std::string category = entry ? entry->category : "remote_control";
    std::string severity = entry ? entry->severity : "medium";
    double confidence = 0.8;
    std::string state;
    if (t.connected()) {
      state = "connected";
      // A live session is the signal for remote control, yet admins and
      // helpdesks hold sessions too: the distance to the peer (session_far)
      // is what separates them. For a VPN the catalog severity says it all.
      if (category == "remote_control") severity = "high", confidence = 0.55;
    } else if (t.running() || t.listening()) {
      state = t.listening() ? "listening" : "running";
    } else if (t.installed()) {
      state = "installed";
      confidence = 0.5;
      if (severity != "info") severity = category == "vpn" ? "medium" : "low";
    } else {
      continue;
    }
    std::string title = (entry ? entry->title : t.name()) + " " + state;
    auto& ind = out.add(t.tool_id().empty() ? "remote.unknown" : t.tool_id(), title, severity, confidence, "signature");
    std::string facts = state;
    for (const auto& p : t.processes()) facts += ", process " + p.comm() + " (pid " + std::to_string(p.pid()) + ")";
    for (auto port : t.listening_ports()) facts += ", listening on " + std::to_string(port);
    for (const auto& path : t.installed_paths()) facts += ", " + path;
    for (const auto& s : t.services()) facts += ", unit " + s;
    Findings::fact(ind, t.name().empty() ? t.tool_id() : t.name(), facts);
    if (entry) Findings::fact(ind, "catalog", entry->source);
  }
}

void input_methods(const RuleInput& in, Findings& out) {
  const auto& kb = in.snap.keyboard();
  for (const auto& s : in.catalog.input_methods()) {
    std::vector<std::pair<std::string, std::string>> hits;
    for (const auto& l : kb.system_layouts())
      if (std::find(s.xkb_layouts.begin(), s.xkb_layouts.end(), l.layout()) != s.xkb_layouts.end())
        hits.emplace_back("layout " + l.layout() + (l.variant().empty() ? "" : "(" + l.variant() + ")"), l.source());
    for (const auto& u : kb.users())
      for (const auto& im : u.input_methods())
        if (std::find(s.engines.begin(), s.engines.end(), im.name()) != s.engines.end() ||
            std::find(s.xkb_layouts.begin(), s.xkb_layouts.end(), im.name()) != s.xkb_layouts.end())
          hits.emplace_back(im.framework() + " " + im.name() + " (user " + u.user() + ")", im.source());
    // Mac agents report input sources by id; a mode id extends its method's
    // bundle id ("com.apple.inputmethod.Korean.2SetKorean").
    for (const auto& u : kb.users())
      for (const auto& im : u.input_methods())
        if (im.framework() == "macos" && std::any_of(s.macos.begin(), s.macos.end(), [&](const std::string& id) {
              return im.name() == id || im.name().starts_with(id + ".");
            }))
          hits.emplace_back("macos " + im.name() + " (user " + u.user() + ")", im.source());
    if (hits.empty()) continue;
    auto& ind = out.add(s.id, s.title, s.severity, 1.0, "signature");
    for (auto& [k, v] : hits) Findings::fact(ind, k, v);
  }
}

void zone_of_interest(const RuleInput& in, Findings& out) {
  const ZoneInfo* z = in.catalog.find_zone(in.snap.time().iana_zone());
  if (!z || !z->of_interest) return;
  auto& ind = out.add("time.zone_of_interest", "Laptop clock set to " + z->title, z->severity, 0.8, "signature");
  Findings::fact(ind, "timezone", in.snap.time().iana_zone() + " (" + in.snap.time().source() + ")");
  Findings::fact(ind, "catalog", z->source);
}

}  // namespace

void signature_rules(const RuleInput& in, Findings& out) {
  usb_signatures(in, out);
  edid_signatures(in, out);
  remote_tools(in, out);
  input_methods(in, out);
  zone_of_interest(in, out);
}

}  // namespace telltale::detect
