// KVMs on the laptop's LAN, from the neighbour table the agent read passively
// (NetworkContext.neighbours): a MAC address whose prefix is a KVM maker's in
// the catalog ([[mac_prefix]]). A KVM next to the laptop is not proof that it
// drives this laptop, so a maker's prefix weighs medium and a general-purpose
// board's (Raspberry Pi, which PiKVM and TinyPilot run on) only low.
#include <string>

#include "server/detect/rules.h"

namespace telltale::detect {

void network_neighbour_rules(const RuleInput& in, Findings& out) {
  for (const auto& n : in.snap.network().neighbours()) {
    if (n.state() == "incomplete") continue;
    // The laptop's own router is a router (GL.iNet's prefix is on its routers too).
    if (!in.snap.network().default_gateway_ip().empty() && n.ip() == in.snap.network().default_gateway_ip()) continue;
    const MacPrefix* p = in.catalog.find_mac_prefix(n.mac());
    if (!p) continue;
    const char* id = p->weak ? "network.kvm_board_neighbour" : "network.kvm_maker_neighbour";
    const IndicatorEntry* e = in.catalog.find_indicator(id);
    auto& ind = e ? out.add(e->id, e->title, e->severity, p->weak ? 0.5 : 0.8, "structure")
                  : out.add(id, id, p->weak ? "low" : "medium", p->weak ? 0.5 : 0.8, "structure");
    Findings::fact(ind, "neighbour " + n.ip() + " on " + n.interface_name(),
                   "MAC " + n.mac() + " belongs to " + p->vendor + " (" + p->title + "; catalog " + p->id + ")");
  }
}

}  // namespace telltale::detect
