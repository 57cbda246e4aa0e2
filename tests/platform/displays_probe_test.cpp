// The displays probe on the fixture machines (DRM and lid parts written by
// tests/fixtures/make_display_hw.py) and on broken trees built per test.
#include <gtest/gtest.h>

#include <filesystem>

#include "platform/linux/displays.h"
#include "platform/sensor_test_support.h"
#include "support/snapshot_errors.h"
#include "support/fixture_bytes.h"

namespace telltale::platform::linux_probe {
namespace {

namespace fs = std::filesystem;
using sensor_test::kFixtures;
using sensor_test::TempRoot;
using telltale::testing::errors_of;

v1::Snapshot collect(const fs::path& root) {
  DisplaysProbe probe;
  return sensor_test::collect_from(probe, root);
}

const v1::Display* find(const v1::Snapshot& s, const std::string& connector) {
  for (const auto& d : s.displays())
    if (d.connector() == connector) return &d;
  return nullptr;
}

TEST(DisplaysProbe, PiKvmLaptop_ShowsPiKvmEdidOnHdmiWithPanelOffAndLidClosed) {
  const auto s = collect(kFixtures / "pikvm-laptop");
  EXPECT_EQ(s.errors_size(), 0) << errors_of(s);
  const auto* hdmi = find(s, "card0-HDMI-A-1");
  ASSERT_NE(hdmi, nullptr);
  EXPECT_EQ(hdmi->connector_type(), "HDMI-A");
  EXPECT_FALSE(hdmi->internal());
  EXPECT_EQ(hdmi->status(), "connected");
  EXPECT_TRUE(hdmi->enabled());
  EXPECT_EQ(hdmi->edid_raw().size(), 256u);
  EXPECT_TRUE(hdmi->edid().valid());
  EXPECT_EQ(hdmi->edid().pnp_id(), "LNX");
  EXPECT_EQ(hdmi->edid().product_code(), 0x7771u);
  EXPECT_EQ(hdmi->edid().monitor_name(), "PiKVM V3");
  EXPECT_EQ(hdmi->edid().serial_string(), "CAFEBABE");
  ASSERT_FALSE(hdmi->modes().empty());
  EXPECT_EQ(hdmi->modes(0), "1280x720");

  const auto* panel = find(s, "card0-eDP-1");
  ASSERT_NE(panel, nullptr);
  EXPECT_TRUE(panel->internal());
  EXPECT_FALSE(panel->enabled());
  EXPECT_EQ(panel->edid().pnp_id(), "BOE");

  const auto* dp = find(s, "card0-DP-1");
  ASSERT_NE(dp, nullptr);
  EXPECT_EQ(dp->status(), "disconnected");
  EXPECT_TRUE(dp->edid_raw().empty());
  EXPECT_FALSE(dp->has_edid());
  EXPECT_TRUE(dp->modes().empty());

  EXPECT_TRUE(s.lid().present());
  EXPECT_TRUE(s.lid().closed());
}

TEST(DisplaysProbe, DockedCleanLaptop_HasPanelAndDellOnUsbCDisplayPort) {
  const auto s = collect(kFixtures / "clean-laptop");
  EXPECT_EQ(s.errors_size(), 0) << errors_of(s);
  ASSERT_EQ(s.displays_size(), 4);
  // Sorted by connector name, card entries and renderD128/version skipped.
  EXPECT_EQ(s.displays(0).connector(), "card0-DP-1");
  EXPECT_EQ(s.displays(3).connector(), "card0-eDP-1");
  const auto* dell = find(s, "card0-DP-1");
  ASSERT_NE(dell, nullptr);
  EXPECT_EQ(dell->connector_type(), "DP");
  EXPECT_TRUE(dell->enabled());
  EXPECT_EQ(dell->edid().pnp_vendor_name(), "Dell Inc.");
  EXPECT_EQ(dell->edid().serial_string(), "M2GCR1CS0T1L");
  const auto* panel = find(s, "card0-eDP-1");
  ASSERT_NE(panel, nullptr);
  EXPECT_TRUE(panel->enabled());
  EXPECT_EQ(panel->edid().text(), "BOE CQ NE135FBM-N41");
  EXPECT_TRUE(s.lid().present());
  EXPECT_FALSE(s.lid().closed());
}

TEST(DisplaysProbe, TinyPilotAndNanoKvmLaptops_ShowTheirKvmEdidsOnHdmi) {
  const auto tiny = collect(kFixtures / "tinypilot-laptop");
  EXPECT_EQ(tiny.errors_size(), 0) << errors_of(tiny);
  ASSERT_NE(find(tiny, "card0-HDMI-A-1"), nullptr);
  EXPECT_EQ(find(tiny, "card0-HDMI-A-1")->edid().monitor_name(), "TinyPilot");
  EXPECT_TRUE(tiny.lid().closed());

  const auto nano = collect(kFixtures / "nanokvm-laptop");
  EXPECT_EQ(nano.errors_size(), 0) << errors_of(nano);
  const auto* hdmi = find(nano, "card0-HDMI-A-1");
  ASSERT_NE(hdmi, nullptr);
  EXPECT_EQ(hdmi->edid().pnp_id(), "SPD");
  EXPECT_FALSE(hdmi->edid().pnp_registered());
  EXPECT_TRUE(find(nano, "card0-eDP-1")->enabled());
}

TEST(DisplaysProbe, TouchscreenLaptop_HasOnlyItsPanelOn) {
  const auto s = collect(kFixtures / "touchscreen-laptop");
  EXPECT_EQ(s.errors_size(), 0) << errors_of(s);
  int enabled = 0;
  for (const auto& d : s.displays()) enabled += d.enabled();
  EXPECT_EQ(enabled, 1);
  EXPECT_TRUE(find(s, "card0-eDP-1")->enabled());
}

TEST(DisplaysProbe, DevVm_HasVirtualConnectorAndNoLid) {
  const auto s = collect(kFixtures / "dev-vm");
  EXPECT_EQ(s.errors_size(), 0) << errors_of(s);
  ASSERT_EQ(s.displays_size(), 1);
  EXPECT_EQ(s.displays(0).connector_type(), "Virtual");
  EXPECT_FALSE(s.displays(0).internal());
  EXPECT_EQ(s.displays(0).edid().pnp_id(), "RHT");
  EXPECT_FALSE(s.lid().present());
}

// A broken root: one GPU, connectors written by each test.
struct BrokenDrm {
  TempRoot root{"drm"};
  const std::string card = "sys/devices/pci0000:00/0000:00:02.0/drm/card0";
  void connector(const std::string& name, const std::string& edid, const std::string& status = "connected") {
    const auto dir = card + "/card0-" + name;
    root.put(dir + "/status", status + "\n");
    root.put(dir + "/enabled", "enabled\n");
    root.put(dir + "/modes", "1920x1080\n");
    root.put(dir + "/edid", edid);
    fs::create_directories(root.path / "sys/class/drm");
    fs::create_directory_symlink("../../devices/pci0000:00/0000:00:02.0/drm/card0/card0-" + name,
                                 root.path / "sys/class/drm" / ("card0-" + name));
  }
};

std::string bytes_of(const std::string& fixture) {
  auto v = telltale::testing::fixture_bytes(fixture);
  return {v.begin(), v.end()};
}

TEST(DisplaysProbe, Edid96Bytes_IsReportedWithConnectorAndKeptAsInvalid) {
  BrokenDrm t;
  t.connector("HDMI-A-1", bytes_of("edid/truncated-96.bin"));
  const auto s = collect(t.root.path);
  ASSERT_EQ(s.errors_size(), 1) << errors_of(s);
  EXPECT_EQ(s.errors(0).probe(), "displays");
  EXPECT_EQ(s.errors(0).path(), "sys/class/drm/card0-HDMI-A-1/edid");
  EXPECT_EQ(s.errors(0).message(), "EDID of card0-HDMI-A-1: 96 bytes, expected a multiple of 128");
  ASSERT_EQ(s.displays_size(), 1);
  EXPECT_FALSE(s.displays(0).edid().valid());
  EXPECT_EQ(s.displays(0).edid().pnp_id(), "DEL");
  EXPECT_EQ(s.displays(0).edid_raw().size(), 96u);
}

TEST(DisplaysProbe, WrongChecksum_IsReportedNotDropped) {
  BrokenDrm t;
  t.connector("DP-1", bytes_of("edid/wrong-checksum.bin"));
  t.connector("eDP-1", bytes_of("edid/laptop-edp-boe.bin"));
  const auto s = collect(t.root.path);
  ASSERT_EQ(s.errors_size(), 1) << errors_of(s);
  EXPECT_EQ(s.errors(0).message(), "EDID of card0-DP-1: block 0 checksum 0x3e, expected 0x96");
  ASSERT_EQ(s.displays_size(), 2);
  EXPECT_FALSE(s.displays(0).edid().valid());
  EXPECT_EQ(s.displays(0).edid().monitor_name(), "DELL U2412M");
  EXPECT_TRUE(s.displays(1).edid().valid());
}

TEST(DisplaysProbe, SymlinkLoopUnderClassDrm_IsAnErrorAndOtherConnectorsStillRead) {
  BrokenDrm t;
  t.connector("eDP-1", bytes_of("edid/laptop-edp-boe.bin"));
  fs::create_symlink("card0-DP-2", t.root.path / "sys/class/drm/card0-DP-1");
  fs::create_symlink("card0-DP-1", t.root.path / "sys/class/drm/card0-DP-2");
  const auto s = collect(t.root.path);
  ASSERT_EQ(s.errors_size(), 2) << errors_of(s);
  EXPECT_EQ(s.errors(0).path(), "sys/class/drm/card0-DP-1");
  EXPECT_NE(s.errors(0).message().find("connector card0-DP-1: "), std::string::npos) << s.errors(0).message();
  ASSERT_EQ(s.displays_size(), 1);
  EXPECT_EQ(s.displays(0).connector(), "card0-eDP-1");
}

TEST(DisplaysProbe, LinkOutOfTheRoot_IsRefused) {
  BrokenDrm t;
  fs::create_directories(t.root.path / "sys/class/drm");
  fs::create_directory_symlink("/etc", t.root.path / "sys/class/drm/card0-HDMI-A-1");
  const auto s = collect(t.root.path);
  ASSERT_EQ(s.errors_size(), 1) << errors_of(s);
  EXPECT_EQ(s.displays_size(), 0);
}

TEST(DisplaysProbe, NoDrmAndNoLid_IsNotAnError) {
  TempRoot root("nodrm");
  const auto s = collect(root.path);
  EXPECT_EQ(s.errors_size(), 0) << errors_of(s);
  EXPECT_EQ(s.displays_size(), 0);
  EXPECT_FALSE(s.lid().present());
}

TEST(DisplaysProbe, GarbledLidState_IsReported) {
  TempRoot root("lid");
  root.put("proc/acpi/button/lid/LID0/state", "state:      ajar\n");
  const auto s = collect(root.path);
  ASSERT_EQ(s.errors_size(), 1) << errors_of(s);
  EXPECT_EQ(s.errors(0).path(), "proc/acpi/button/lid/LID0/state");
  EXPECT_FALSE(s.lid().present());
}

}  // namespace
}  // namespace telltale::platform::linux_probe
