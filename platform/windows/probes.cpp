#include "platform/windows/probes.h"

#include "platform/windows/displays.h"
#include "platform/windows/hardware.h"
#include "platform/windows/keyboard.h"
#include "platform/windows/remote_access.h"
#include "platform/windows/timezone.h"
#include "platform/windows/usb.h"

namespace telltale::platform::windows_probe {

ProbeList make_all() {
  // The live OS sources hold no state: one of each serves every probe list.
  static SystemFirmware firmware;
  static SystemHidPreparsed hid;
  static SystemDisplayTopology topology;
  static SystemTimeZone timezone;
  static SystemTcpTable tcp;
  ProbeList probes;
  probes.push_back(std::make_unique<HardwareProbe>(firmware));
  probes.push_back(std::make_unique<UsbProbe>(hid));
  probes.push_back(std::make_unique<DisplaysProbe>(topology));
  probes.push_back(std::make_unique<TimezoneProbe>(timezone));
  probes.push_back(std::make_unique<KeyboardProbe>());
  probes.push_back(std::make_unique<RemoteAccessProbe>(tcp));
  return probes;
}

}  // namespace telltale::platform::windows_probe
