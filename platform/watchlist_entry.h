#pragma once
// One remote-access tool in a built-in watchlist. Each OS's default
// watchlist (linux/, windows/, macos/) lists the same catalog ids with that
// OS's process names, install paths, services and ports.
#include <cstdint>
#include <initializer_list>

#include "telltale/v1/telemetry.pb.h"

namespace telltale::platform {

inline void add_watched_tool(telltale::v1::Watchlist& w, const char* id, const char* name,
                             std::initializer_list<const char*> processes, std::initializer_list<const char*> paths,
                             std::initializer_list<const char*> services, std::initializer_list<uint32_t> ports) {
  auto* t = w.add_tools();
  t->set_id(id);
  t->set_name(name);
  for (auto p : processes) t->add_process_names(p);
  for (auto p : paths) t->add_paths(p);
  for (auto s : services) t->add_services(s);
  for (auto p : ports) t->add_ports(p);
}

}  // namespace telltale::platform
