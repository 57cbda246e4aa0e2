#include "telltale/v1/snapshot_delta.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

namespace telltale::v1 {
namespace {

TEST(SnapshotDelta, CarriesOnlyChangedSectionsAndReproducesTheNextSnapshot) {
  Snapshot base, next;
  base.mutable_hardware()->set_product_name("ThinkPad X1");
  base.add_usb_devices()->set_port_path("1-1");
  base.mutable_time()->set_iana_zone("America/Chicago");
  next = base;
  next.add_usb_devices()->set_port_path("1-2");  // a KVM was plugged
  next.mutable_time()->set_iana_zone("Asia/Seoul");
  auto delta = make_delta(7, base, next);
  EXPECT_EQ(delta.base_seq(), 7u);
  EXPECT_EQ(std::vector<std::string>(delta.changed_sections().begin(), delta.changed_sections().end()),
            (std::vector<std::string>{"usb_devices", "time"}));
  EXPECT_FALSE(delta.changed().has_hardware());
  Snapshot applied = base;
  std::string error;
  ASSERT_TRUE(apply_delta(applied, delta, &error)) << error;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(applied, next));
}

TEST(SnapshotDelta, AClearedSectionIsClearedOnApply) {
  Snapshot base, next;
  base.add_remote_access()->set_tool_id("remote.anydesk");
  auto delta = make_delta(1, base, next);
  Snapshot applied = base;
  ASSERT_TRUE(apply_delta(applied, delta, nullptr));
  EXPECT_EQ(applied.remote_access_size(), 0);
}

TEST(SnapshotDelta, UnknownSectionFromANewerAgentChangesNothing) {
  Snapshot base;
  base.mutable_hardware()->set_product_name("X");
  SnapshotDelta delta;
  delta.add_changed_sections("hardware");
  delta.add_changed_sections("quantum_sensors");
  std::string error;
  Snapshot applied = base;
  EXPECT_FALSE(apply_delta(applied, delta, &error));
  EXPECT_NE(error.find("quantum_sensors"), std::string::npos);
  EXPECT_EQ(applied.hardware().product_name(), "X");
}

}  // namespace
}  // namespace telltale::v1
