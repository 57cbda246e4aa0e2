#include "platform/linux/probes.h"

#include "platform/linux/displays.h"
#include "platform/linux/hardware.h"
#include "platform/linux/input_devices.h"
#include "platform/linux/input_timing.h"
#include "platform/linux/keyboard.h"
#include "platform/linux/latency_anchors.h"
#include "platform/linux/network.h"
#include "platform/linux/remote_access.h"
#include "platform/linux/timezone.h"
#include "platform/linux/usb.h"

namespace telltale::platform::linux_probe {

ProbeList make_all() {
  ProbeList probes;
  probes.push_back(std::make_unique<HardwareProbe>());
  probes.push_back(std::make_unique<DisplaysProbe>());
  probes.push_back(std::make_unique<TimezoneProbe>());
  probes.push_back(std::make_unique<UsbProbe>());
  probes.push_back(std::make_unique<InputDevicesProbe>());
  probes.push_back(std::make_unique<KeyboardProbe>());
  probes.push_back(std::make_unique<RemoteAccessProbe>());
  probes.push_back(std::make_unique<NetworkProbe>());
  probes.push_back(std::make_unique<LatencyAnchorsProbe>());
  probes.push_back(std::make_unique<InputTimingProbe>());
  return probes;
}

}  // namespace telltale::platform::linux_probe
