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
  if (sources.input_helper) probes.push_back(std::make_unique<InputHelperProbe>(*sources.input_helper));
  if (sources.lid) probes.push_back(std::make_unique<LidProbe>(*sources.lid));
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
  static InputHelperPipeServer input_helper;  // started by its probe's first collection
  static SystemLid lid;
  return make_all({firmware, hid, topology, timezone, tcp, network, sessions, &input_helper, &lid});
}

}  // namespace telltale::platform::windows_probe
