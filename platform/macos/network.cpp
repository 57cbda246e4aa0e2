// Default gateway and its MAC from `route -n get default` and `arp -an`.
// The Wi-Fi BSSID is not read: since macOS 14 it needs Location Services
// permission for the agent, which an MDM cannot grant silently.
#include "platform/decode/macos/route_arp.h"
#include "platform/decode/text_sanitize.h"
#include "platform/macos/probes.h"
#include "platform/macos/tool_output.h"

namespace telltale::platform::macos_probe {
namespace {

class NetworkProbe final : public Probe {
 public:
  explicit NetworkProbe(MacSystem s) : s_(std::move(s)) {}
  std::string_view name() const override { return "network"; }
  void collect(const ProbeContext&, telltale::v1::Snapshot& out) override {
    auto route = run_tool(*s_.runner, {"route", "-n", "get", "default"}, name(), out);
    if (!route) return;
    auto r = decode::macos::parse_route_get(route->output);
    if (!r) {
      record_error(out, name(), "route -n get default", "no gateway or interface line in the answer");
      return;
    }
    auto* net = out.mutable_network();
    net->set_default_gateway_ip(decode::sanitize_utf8(r->gateway));
    net->set_default_interface(decode::sanitize_utf8(r->interface));
    if (r->interface.starts_with("utun") || r->interface.starts_with("ipsec") || r->interface.starts_with("ppp"))
      net->add_vpn_interfaces(decode::sanitize_utf8(r->interface));
    if (r->gateway.empty()) return;
    auto arp = run_tool(*s_.runner, {"arp", "-an"}, name(), out);
    if (arp) net->set_default_gateway_mac(decode::macos::arp_mac_for(arp->output, r->gateway));
  }

 private:
  MacSystem s_;
};

// Keystroke timing needs a CGEventTap and the Input Monitoring permission
// (TCC), which no MDM profile grants: the Mac agent says so instead of
// sending an empty section that reads like "no activity".
class InputTimingProbe final : public Probe {
 public:
  std::string_view name() const override { return "input_timing"; }
  void collect(const ProbeContext&, telltale::v1::Snapshot& out) override {
    record_error(out, name(), "",
                 "not collected on macOS: keystroke timing needs an event tap and the Input Monitoring permission");
  }
};

}  // namespace

std::unique_ptr<Probe> make_network_probe(const MacSystem& s) { return std::make_unique<NetworkProbe>(s); }
std::unique_ptr<Probe> make_input_timing_probe(const MacSystem&) { return std::make_unique<InputTimingProbe>(); }

}  // namespace telltale::platform::macos_probe
