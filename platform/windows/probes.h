#pragma once
#include "platform/probe.h"
#include "platform/windows/displays.h"
#include "platform/windows/hardware.h"
#include "platform/windows/input_helper_pipe.h"
#include "platform/windows/lid_state.h"
#include "platform/windows/network.h"
#include "platform/windows/rdp_sessions.h"
#include "platform/windows/remote_access.h"
#include "platform/windows/timezone.h"
#include "platform/windows/usb.h"

namespace telltale::platform::windows_probe {

// The OS answers the probes read through an interface (where Wine only stubs
// the API, tests and the recorded test agent supply recordings instead).
// They must outlive the probes.
struct Sources {
  FirmwareSource& firmware;
  HidPreparsedSource& hid;
  DisplayTopologySource& topology;
  TimeZoneSource& timezone;
  TcpTableSource& tcp;
  NetworkSource& network;
  SessionSource& sessions;
  // The per-user input helper's pipe; null: no input timing.
  InputHelperPipeServer* input_helper = nullptr;
  // Lid switch notifications; null: no lid probe.
  LidSource* lid = nullptr;
};

// Every Windows probe, in collection order. Adding a sensor adds one line in probes.cpp.
ProbeList make_all(const Sources& sources);
// The same over the live OS.
ProbeList make_all();

}  // namespace telltale::platform::windows_probe
