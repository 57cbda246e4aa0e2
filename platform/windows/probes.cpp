#include "platform/windows/probes.h"

#include "platform/windows/keyboard.h"

namespace telltale::platform::windows_probe {

ProbeList make_all(const Sources& sources) {
  ProbeList probes;
  probes.push_back(std::make_unique<HardwareProbe>(sources.firmware));
  probes.push_back(std::make_unique<UsbProbe>(sources.hid));
  probes.push_back(std::make_unique<DisplaysProbe>(sources.topology));
  probes.push_back(std::make_unique<TimezoneProbe>(sources.timezone));
  probes.push_back(std::make_unique<KeyboardProbe>());
  probes.push_back(std::make_unique<RemoteAccessProbe>(sources.tcp));
  probes.push_back(std::make_unique<NetworkProbe>(sources.network));
  probes.push_back(std::make_unique<RdpSessionsProbe>(sources.sessions));
  return probes;
}

ProbeList make_all() {
  // The live OS sources hold no state: one of each serves every probe list.
  static SystemFirmware firmware;
  static SystemHidPreparsed hid;
  static SystemDisplayTopology topology;
  static SystemTimeZone timezone;
  static SystemTcpTable tcp;
  static SystemNetwork network;
  static SystemSessions sessions;
  return make_all({firmware, hid, topology, timezone, tcp, network, sessions});
}

}  // namespace telltale::platform::windows_probe
