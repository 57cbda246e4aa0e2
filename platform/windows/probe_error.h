#pragma once
// Recording what a Windows probe could not read, with where it looked
// ("HKLM\SYSTEM\…\EDID", "GetSystemFirmwareTable(RSMB)") and why.
#include <string>

#include "telltale/v1/snapshot.pb.h"

namespace telltale::platform::windows_probe {

inline void add_error(telltale::v1::Snapshot& out, std::string probe, std::string where, std::string message) {
  auto* e = out.add_errors();
  e->set_probe(std::move(probe));
  e->set_path(std::move(where));
  e->set_message(std::move(message));
}

}  // namespace telltale::platform::windows_probe
