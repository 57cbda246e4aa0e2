// Displays from Enum\DISPLAY EDIDs (SetupDiOpenDevRegKey) and a recorded topology.
#include <gtest/gtest.h>

#include "platform/windows/displays.h"
#include "recorded_sources.h"
#include "registry_fixture.h"

namespace {

using namespace telltale::platform::windows_probe;
using telltale::testing::RecordedTopology;
using telltale::testing::RegistryFixture;

// Wine adds its own DISPLAY\DEFAULT_MONITOR (no EDID); count the fixture's.
int with_edid(const telltale::v1::Snapshot& s) {
  int n = 0;
  for (const auto& d : s.displays()) n += d.edid_raw().empty() ? 0 : 1;
  return n;
}

const telltale::v1::Display* find(const telltale::v1::Snapshot& s, const std::string& pnp) {
  for (const auto& d : s.displays())
    if (d.edid().pnp_id() == pnp) return &d;
  return nullptr;
}

TEST(WindowsDisplaysProbe, PiKvmCaptureOnHdmiWithLidClosed_ExternalUnregisteredEdidActive) {
  RegistryFixture machine("pikvm-laptop");
  RecordedTopology topology;
  topology.list = {{"DISPLAY\\BOE0868\\4&1B3B3C11&0&UID8388688", "eDP", true, false},
                   {"DISPLAY\\LNX7771\\5&2C4F1A2B&0&UID4352", "HDMI-A", false, true}};
  telltale::v1::Snapshot s;
  DisplaysProbe(topology).collect({}, s);
  ASSERT_EQ(with_edid(s), 2) << s.DebugString();
  const auto* kvm = find(s, "LNX");
  ASSERT_NE(kvm, nullptr);
  EXPECT_TRUE(kvm->edid().valid());
  EXPECT_EQ(kvm->edid_raw().size(), 256u);
  EXPECT_EQ(kvm->connector_type(), "HDMI-A");
  EXPECT_FALSE(kvm->internal());
  EXPECT_EQ(kvm->status(), "connected");
  EXPECT_TRUE(kvm->enabled());
  const auto* panel = find(s, "BOE");
  ASSERT_NE(panel, nullptr);
  EXPECT_TRUE(panel->internal());
  EXPECT_FALSE(panel->enabled());
  EXPECT_EQ(s.errors_size(), 0);
}

TEST(WindowsDisplaysProbe, CleanLaptop_OnlyTheInternalPanel) {
  RegistryFixture machine("clean-laptop");
  RecordedTopology topology;
  topology.list = {{"DISPLAY\\BOE0868\\4&1B3B3C11&0&UID8388688", "eDP", true, true}};
  telltale::v1::Snapshot s;
  DisplaysProbe(topology).collect({}, s);
  ASSERT_EQ(with_edid(s), 1);
  const auto* panel = find(s, "BOE");
  ASSERT_NE(panel, nullptr);
  EXPECT_TRUE(panel->internal());
  EXPECT_TRUE(panel->edid().valid());
  EXPECT_EQ(panel->status(), "connected");
}

}  // namespace
