#include "platform/macos/probes.h"

#include <chrono>

namespace telltale::platform::macos_probe {

MacSystem live_system() {
  MacSystem s;
  s.runner = std::make_shared<SpawnRunner>();
  s.processes = make_system_process_table();
  s.now_unix_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  return s;
}

ProbeList make_all(const MacSystem& s) {
  ProbeList probes;
  probes.push_back(make_hardware_probe(s));
  probes.push_back(make_displays_probe(s));
  probes.push_back(make_timezone_probe(s));
  probes.push_back(make_usb_probe(s));
  probes.push_back(make_input_devices_probe(s));
  probes.push_back(make_keyboard_probe(s));
  probes.push_back(make_remote_access_probe(s));
  probes.push_back(make_network_probe(s));
  probes.push_back(make_input_timing_probe(s));
  return probes;
}

}  // namespace telltale::platform::macos_probe
