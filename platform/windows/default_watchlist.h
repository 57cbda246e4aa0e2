#pragma once
#include "telltale/v1/telemetry.pb.h"

namespace telltale::platform::windows_probe {

// The remote-access tools the agent watches on Windows, under the same
// catalog ids as on Linux: executable names (matched case-insensitively),
// install paths (environment variables expanded), service names and ports.
// A watchlist the collector pushes is merged into it tool by tool.
const telltale::v1::Watchlist& default_watchlist();

}  // namespace telltale::platform::windows_probe
