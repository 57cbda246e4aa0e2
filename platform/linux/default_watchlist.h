#pragma once
#include "telltale/v1/telemetry.pb.h"

namespace telltale::platform::linux_probe {

// Remote-access and tunnelling tools watched until the collector pushes its own
// watchlist (INDICATORS.md, with Linux process names, install paths, systemd
// units and distinctive TCP ports). Ports are only those a tool owns: 443 and 80
// would attribute every browser connection to a tool.
const telltale::v1::Watchlist& default_watchlist();

}  // namespace telltale::platform::linux_probe
