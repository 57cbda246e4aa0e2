#include "platform/decode/pnp_ids.h"

#include <algorithm>

namespace telltale::decode {
namespace {

// Generated: `inline constexpr PnpEntry kPnpTable[] = {{"AAA", "Avolites Ltd"}, …};`
// sorted by id, duplicates removed (see platform/decode/pnp_ids_table.cmake).
#include "platform/decode/pnp_ids_table.inc"

}  // namespace

std::optional<std::string_view> pnp_vendor_name(std::string_view pnp_id) {
  const auto* begin = std::begin(kPnpTable);
  const auto* end = std::end(kPnpTable);
  const auto* it = std::lower_bound(begin, end, pnp_id, [](const PnpEntry& e, std::string_view id) { return e.id < id; });
  if (it == end || it->id != pnp_id) return std::nullopt;
  return it->name;
}

std::size_t pnp_registry_size() { return std::size(kPnpTable); }
const PnpEntry* pnp_registry_begin() { return std::begin(kPnpTable); }

}  // namespace telltale::decode
