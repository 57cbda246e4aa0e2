#pragma once
#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// Every Linux probe, in collection order. Adding a sensor adds one line in probes.cpp.
ProbeList make_all();

}  // namespace telltale::platform::linux_probe
