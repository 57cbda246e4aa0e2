#pragma once
// The PNP vendor registry (UEFI "PNP ID" list, as shipped in hwdata's pnp.ids).
// EDID bytes 8–9 name the display's manufacturer by such an id; an id that is
// not registered (HJW, SPD on capture dongles and KVMs) is itself a signal.
// The table is generated from the build machine's pnp.ids at build time
// (pnp_ids_table.cmake), so the registry is never copied into the source tree.
#include <cstddef>
#include <optional>
#include <string_view>

namespace telltale::decode {

// Registered vendor name for a three-letter id ("DEL" → "Dell Inc."), nullopt
// when unregistered. Case-sensitive, as the registry is.
std::optional<std::string_view> pnp_vendor_name(std::string_view pnp_id);

struct PnpEntry {
  std::string_view id;
  std::string_view name;
};

// The whole table, sorted by id (for tests and the collector's catalog checks).
std::size_t pnp_registry_size();
const PnpEntry* pnp_registry_begin();

}  // namespace telltale::decode
