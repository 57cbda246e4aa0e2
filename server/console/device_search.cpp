#include "server/console/device_search.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>

namespace telltale::server::console {
namespace {

std::string hex4(uint32_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", v & 0xffff);
  return buf;
}

bool contains_folded(const std::string& hay, const std::string& needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

void add(std::vector<SearchField>& out, std::string label, std::string value) {
  if (!value.empty()) out.push_back({std::move(label), std::move(value)});
}

}  // namespace

std::vector<SearchField> snapshot_search_fields(const telltale::v1::Snapshot& s) {
  std::vector<SearchField> out;
  const auto& hw = s.hardware();
  add(out, "DMI serial", hw.product_serial());
  add(out, "board serial", hw.board_serial());
  add(out, "UUID", hw.product_uuid());
  add(out, "model", hw.sys_vendor().empty() && hw.product_name().empty() ? "" : hw.sys_vendor() + " " + hw.product_name());
  for (const auto& u : s.usb_devices()) {
    if (u.port_path().rfind("usb", 0) == 0) continue;  // root hubs: every laptop has them
    std::string v = hex4(u.vendor_id()) + ":" + hex4(u.product_id());
    if (u.has_manufacturer()) v += " " + u.manufacturer();
    if (u.has_product()) v += " " + u.product();
    if (u.has_serial() && !u.serial().empty()) v += " serial " + u.serial();
    add(out, "usb " + u.port_path(), v);
  }
  for (const auto& d : s.displays()) {
    if (!d.has_edid()) continue;
    const auto& e = d.edid();
    std::string v = e.pnp_id();
    if (!e.monitor_name().empty()) v += " \"" + e.monitor_name() + "\"";
    if (!e.serial_string().empty()) v += " serial " + e.serial_string();
    if (e.serial_number()) v += " serial number " + std::to_string(e.serial_number());
    add(out, "display " + d.connector(), v);
  }
  const auto& n = s.network();
  add(out, "gateway", n.default_gateway_ip().empty() && n.default_gateway_mac().empty()
                          ? ""
                          : n.default_gateway_ip() + " " + n.default_gateway_mac());
  add(out, "egress", n.egress_ip());
  add(out, "Wi-Fi", n.wifi_bssid().empty() && n.wifi_ssid().empty() ? "" : n.wifi_ssid() + " " + n.wifi_bssid());
  for (const auto& i : n.interfaces()) {
    if (i.kind() == "loopback") continue;
    std::string v = i.mac();
    for (const auto& a : i.addresses()) v += " " + a;
    add(out, "interface " + i.name(), v);
  }
  for (const auto& t : s.remote_access()) add(out, "remote tool", t.name().empty() ? t.tool_id() : t.name());
  add(out, "timezone", s.time().iana_zone());
  return out;
}

std::vector<SearchField> record_search_fields(const DeviceRecord& d, const Assignment* a) {
  std::vector<SearchField> out;
  add(out, "device id", d.device_id);
  add(out, "hostname", d.hostname);
  add(out, "serial", d.serial);
  for (const auto& p : d.previous_device_ids) add(out, "previous id", p);
  if (a) {
    add(out, "assignee", a->employee);
    add(out, "e-mail", a->email);
  }
  return out;
}

std::vector<std::string> match_fields(const std::vector<SearchField>& fields, const std::string& query,
                                      size_t max_hits) {
  std::istringstream in(query);
  std::vector<std::string> terms;
  for (std::string t; in >> t;) terms.push_back(t);
  if (terms.empty()) return {};
  std::set<size_t> hit;
  for (const auto& t : terms) {
    bool any = false;
    for (size_t i = 0; i < fields.size(); ++i)
      if (contains_folded(fields[i].value, t)) any = true, hit.insert(i);
    if (!any) return {};
  }
  std::vector<std::string> out;
  for (size_t i : hit) {
    if (out.size() == max_hits) break;
    out.push_back(fields[i].label + ": " + fields[i].value);
  }
  return out;
}

}  // namespace telltale::server::console
