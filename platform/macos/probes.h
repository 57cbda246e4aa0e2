#pragma once
// The macOS probes. Almost all of their code is portable: they ask the
// system tools for property lists through a CommandRunner, read preference
// plists below ProbeContext::root, and see processes through a ProcessTable,
// so CI runs them on Linux against replayed captures from real Macs.
#include <cstdint>
#include <functional>
#include <memory>

#include "platform/macos/command_runner.h"
#include "platform/macos/process_table.h"
#include "platform/probe.h"

namespace telltale::platform::macos_probe {

struct MacSystem {
  std::shared_ptr<CommandRunner> runner;
  std::shared_ptr<ProcessTable> processes;
  std::function<int64_t()> now_unix_ms;  // wall clock (the time zone's offset is computed for it)
};

// The live system: SpawnRunner with the macOS tool paths, libproc, the system clock.
MacSystem live_system();

// Every macOS probe, in collection order.
ProbeList make_all(const MacSystem& system);

// Single probes, for tests and the agent's scheduler.
std::unique_ptr<Probe> make_hardware_probe(const MacSystem& s);
std::unique_ptr<Probe> make_usb_probe(const MacSystem& s);
std::unique_ptr<Probe> make_input_devices_probe(const MacSystem& s);
std::unique_ptr<Probe> make_displays_probe(const MacSystem& s);
std::unique_ptr<Probe> make_timezone_probe(const MacSystem& s);
std::unique_ptr<Probe> make_keyboard_probe(const MacSystem& s);
std::unique_ptr<Probe> make_remote_access_probe(const MacSystem& s);
std::unique_ptr<Probe> make_network_probe(const MacSystem& s);
std::unique_ptr<Probe> make_input_timing_probe(const MacSystem& s);

}  // namespace telltale::platform::macos_probe
