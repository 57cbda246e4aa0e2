#pragma once
#include "platform/probe.h"

namespace telltale::platform::windows_probe {

// Every Windows probe over the live OS, in collection order. Adding a sensor
// adds one line in probes.cpp.
ProbeList make_all();

}  // namespace telltale::platform::windows_probe
