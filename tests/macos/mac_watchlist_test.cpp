// The Mac agent's built-in watchlist and the detection catalog must name the
// same macOS bundle ids and executables, or a tool the catalog knows would
// go unseen on Macs.
#include <gtest/gtest.h>

#include <algorithm>

#include "platform/macos/watchlist.h"
#include "server/detect/catalog.h"

namespace telltale::platform::macos_probe {
namespace {

TEST(MacWatchlist, EveryCatalogMacosEntryIsWatched_UnderTheSameToolId) {
  const auto& catalog = detect::Catalog::builtin();
  const auto& mac = builtin_mac_watchlist();
  for (const auto& tool : catalog.remote_tools()) {
    if (tool.macos.empty()) continue;
    auto it = std::find_if(mac.begin(), mac.end(), [&](const auto& m) { return m.id == tool.id; });
    ASSERT_NE(it, mac.end()) << tool.id << " has macOS entries in the catalog but is not watched on Macs";
    for (const auto& entry : tool.macos) {
      const auto& list = looks_like_bundle_id(entry) ? it->bundle_ids : it->executables;
      EXPECT_NE(std::find(list.begin(), list.end(), entry), list.end()) << tool.id << ": " << entry;
    }
  }
  for (const auto& m : mac)
    EXPECT_NE(catalog.find_tool(m.id), nullptr) << m.id << " is watched on Macs but unknown to the catalog";
}

TEST(MacWatchlist, CollectorWatchlistAddsPortsAndNames_ToTheBuiltinTools) {
  telltale::v1::Watchlist pushed;
  auto* t = pushed.add_tools();
  t->set_id("remote.anydesk");
  t->add_process_names("anydesk");
  t->add_ports(7071);
  auto merged = mac_watchlist(&pushed);
  auto it = std::find_if(merged.begin(), merged.end(), [](const auto& m) { return m.id == "remote.anydesk"; });
  ASSERT_NE(it, merged.end());
  EXPECT_NE(std::find(it->ports.begin(), it->ports.end(), 7071u), it->ports.end());
  EXPECT_NE(std::find(it->executables.begin(), it->executables.end(), "anydesk"), it->executables.end());
  EXPECT_NE(std::find(it->bundle_ids.begin(), it->bundle_ids.end(), "com.philandro.anydesk"), it->bundle_ids.end());
}

}  // namespace
}  // namespace telltale::platform::macos_probe
