// The Mac agent's host (MacHost), the object macos/host_platform.cpp makes
// over the live system, here over replayed captures: what it tells the agent
// (platform name, identity, watchlist, default paths) and the change monitor
// seeing a PiKVM plugged into a running MacBook.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "macos/mac_test_support.h"
#include "platform/macos/mac_host.h"
#include "platform/macos/watchlist.h"

namespace telltale::platform::macos_probe {
namespace {

using telltale::macos_testing::fixtures;
using telltale::macos_testing::install_replay_tools;
using telltale::macos_testing::replay_system;

TEST(MacHost, CleanMacBook_NamesItselfMacos_AndEnrollsWithSystemProfilersSerialAndModel) {
  telltale::testing::TempDir tmp;
  const auto fixture = fixtures() / "clean-macbook";
  install_replay_tools(tmp.path() / "bin", fixture);
  MacHost host(replay_system(tmp.path() / "bin", fixture));
  EXPECT_EQ(host.name(), "macos");
  telltale::v1::Snapshot identity;
  host.read_hardware_identity({}, identity);
  EXPECT_EQ(identity.hardware().product_serial(), "C02TT0FIXTUR");
  EXPECT_EQ(identity.hardware().product_name(), "MacBookPro14,1");
  EXPECT_EQ(identity.hardware().sys_vendor(), "Apple Inc.");
  EXPECT_EQ(identity.errors_size(), 0);
  EXPECT_EQ(host.make_probes().size(), make_all(replay_system(tmp.path() / "bin", fixture)).size());
}

TEST(MacHost, Defaults_KeepStateAndManagedConfigInOneRootOnlyDirectory) {
  const auto d = mac_defaults();
  EXPECT_EQ(d.state_dir, "/Library/Application Support/Telltale");
  EXPECT_EQ(d.managed_config, "/Library/Application Support/Telltale/agent.toml");
  EXPECT_EQ(d.root, "/");
}

TEST(MacHost, DefaultWatchlist_IsTheBuiltInMacList_AndMergesBackUnchanged) {
  const auto& w = mac_default_watchlist();
  ASSERT_EQ(static_cast<size_t>(w.tools_size()), builtin_mac_watchlist().size());
  const auto merged = mac_watchlist(&w);
  ASSERT_EQ(merged.size(), builtin_mac_watchlist().size());
  for (size_t i = 0; i < merged.size(); ++i) {
    EXPECT_EQ(merged[i].executables, builtin_mac_watchlist()[i].executables) << merged[i].id;
    EXPECT_EQ(merged[i].ports, builtin_mac_watchlist()[i].ports) << merged[i].id;
  }
  auto anydesk = std::find_if(w.tools().begin(), w.tools().end(), [](const auto& t) { return t.id() == "remote.anydesk"; });
  ASSERT_NE(anydesk, w.tools().end());
  EXPECT_EQ(anydesk->process_names(0), "AnyDesk");
}

TEST(MacHost, PiKvmPluggedIntoARunningMacBook_ChangeMonitorReportsItsUsbAndHdmi) {
  telltale::testing::TempDir tmp;
  // The replay tools read the fixture through a link the test repoints: the
  // same Mac, before and after the KVM is plugged in.
  const auto current = tmp.path() / "current";
  std::filesystem::create_directory_symlink(fixtures() / "clean-macbook", current);
  install_replay_tools(tmp.path() / "bin", current);
  MacHost host(replay_system(tmp.path() / "bin", current));
  auto monitor = host.make_change_monitor("/", std::chrono::milliseconds(50));

  std::mutex mu;
  std::condition_variable changed;
  std::vector<telltale::v1::Event> events;
  monitor->start([&](telltale::v1::Event e) {
    std::lock_guard lock(mu);
    events.push_back(std::move(e));
    changed.notify_all();
  });
  const auto next = tmp.path() / "next";
  std::filesystem::create_directory_symlink(fixtures() / "pikvm-macbook", next);
  std::filesystem::rename(next, current);

  auto pikvm_plugged = [&] {
    return std::any_of(events.begin(), events.end(),
                       [](const auto& e) { return e.has_usb() && e.usb().added() && e.usb().vendor_id() == 0x1D6Bu; });
  };
  auto display_changed = [&] { return std::any_of(events.begin(), events.end(), [](const auto& e) { return e.has_display(); }); };
  {
    std::unique_lock lock(mu);
    changed.wait_for(lock, std::chrono::seconds(60), [&] { return pikvm_plugged() && display_changed(); });
    EXPECT_TRUE(pikvm_plugged());
    EXPECT_TRUE(display_changed());
  }
  monitor->stop();
  for (const auto& e : events)
    if (e.has_usb()) EXPECT_NE(e.usb().port_path(), "") << e.ShortDebugString();
}

}  // namespace
}  // namespace telltale::platform::macos_probe
