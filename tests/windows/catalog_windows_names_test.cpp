// The Windows agent's built-in watchlist and the detection catalog name the
// same tools with the same executables and services, so what the agent
// reports on Windows is judged by the catalog entry it belongs to.
#include <gtest/gtest.h>

#include "catalog_windows.h"
#include "platform/windows/default_watchlist.h"

namespace {

using telltale::testing::catalog_windows_tools;
using telltale::testing::contains_nocase;

TEST(CatalogWindowsNames, EveryBuiltInWindowsTool_HasItsExecutablesAndServicesInTheCatalog) {
  const auto catalog = catalog_windows_tools();
  ASSERT_GT(catalog.size(), 20u);
  for (const auto& tool : telltale::platform::windows_probe::default_watchlist().tools()) {
    const auto it = catalog.find(tool.id());
    if (it == catalog.end()) {
      ADD_FAILURE() << tool.id() << ": no catalog entry";
      continue;
    }
    for (const auto& exe : tool.process_names())
      EXPECT_TRUE(contains_nocase(it->second.executables, exe)) << tool.id() << ": catalog windows lacks " << exe;
    for (const auto& service : tool.services())
      EXPECT_TRUE(contains_nocase(it->second.services, service)) << tool.id() << ": catalog windows_services lacks " << service;
  }
}

TEST(CatalogWindowsNames, RemoteDesktopSessions_HaveTheirOwnCatalogEntry) {
  const auto catalog = catalog_windows_tools();
  const auto it = catalog.find("remote.windows_rdp");  // what the rdp_sessions probe reports
  ASSERT_NE(it, catalog.end());
  EXPECT_EQ(it->second.category, "remote_control");
  EXPECT_TRUE(contains_nocase(it->second.services, "TermService"));
}

}  // namespace
