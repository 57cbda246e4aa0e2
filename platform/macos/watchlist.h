#pragma once
// Remote-access tools the Mac agent looks for: the catalog's `macos` entries
// (server/detect/catalog/catalog.toml; a test keeps the two in step). The
// collector's pushed watchlist speaks Linux (process names, unit files); its
// tools' ports are merged in, its names are matched too.
#include <cstdint>
#include <string>
#include <vector>

#include "telltale/v1/telemetry.pb.h"

namespace telltale::platform::macos_probe {

struct MacWatchedTool {
  std::string id, name;
  std::vector<std::string> bundle_ids;   // CFBundleIdentifier of the app (and prefix of its launchd labels)
  std::vector<std::string> executables;  // process names (p_comm) or executable file names
  std::vector<uint32_t> ports;
};

const std::vector<MacWatchedTool>& builtin_mac_watchlist();

// The builtin list, with ports and process names of the collector's watchlist added by id.
std::vector<MacWatchedTool> mac_watchlist(const telltale::v1::Watchlist* pushed);

// Catalog `macos` strings are bundle ids when they look like reverse DNS.
bool looks_like_bundle_id(const std::string& s);

}  // namespace telltale::platform::macos_probe
