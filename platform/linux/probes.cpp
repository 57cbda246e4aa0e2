#include "platform/linux/probes.h"

#include "platform/linux/hardware.h"
#include "platform/linux/input_devices.h"
#include "platform/linux/timezone.h"

namespace telltale::platform::linux_probe {

ProbeList make_all() {
  ProbeList probes;
  probes.push_back(std::make_unique<HardwareProbe>());
  probes.push_back(std::make_unique<TimezoneProbe>());
  probes.push_back(std::make_unique<InputDevicesProbe>());
  return probes;
}

}  // namespace telltale::platform::linux_probe
