#pragma once
// How a macOS probe asks a system tool and turns every failure into a
// ProbeError naming the command, so the rest of the snapshot still comes.
#include <optional>
#include <string>
#include <vector>

#include "platform/decode/macos/plist_value.h"
#include "platform/macos/command_runner.h"
#include "telltale/v1/snapshot.pb.h"

namespace telltale::platform::macos_probe {

void record_error(telltale::v1::Snapshot& out, std::string_view probe, std::string path, std::string message);

// Runs argv; nullopt (and a ProbeError) when the tool is missing, hangs,
// floods, dies or exits non-zero.
std::optional<CommandResult> run_tool(CommandRunner& runner, const std::vector<std::string>& argv,
                                      std::string_view probe, telltale::v1::Snapshot& out);

// Runs an `-a` / `-xml` style command and parses its plist. Empty output (ioreg
// found no object of the class) is an empty array, not an error.
std::optional<decode::macos::PlistValue> run_plist(CommandRunner& runner, const std::vector<std::string>& argv,
                                                   std::string_view probe, telltale::v1::Snapshot& out);

}  // namespace telltale::platform::macos_probe
