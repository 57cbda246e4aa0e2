// The lid from GUID_LIDSWITCH_STATE_CHANGE notifications (recorded: Wine
// sends none) through the same timeline as Linux' SW_LID events.
#include <gtest/gtest.h>

#include <utility>

#include "platform/windows/lid_state.h"

namespace {

using telltale::platform::windows_probe::LidNotification;
using telltale::platform::windows_probe::LidProbe;
using telltale::platform::windows_probe::LidSource;

class RecordedLid final : public LidSource {
 public:
  std::vector<LidNotification> next;
  std::vector<LidNotification> take() override { return std::exchange(next, {}); }
};

constexpr int64_t kT0 = 1764669600LL * 1000000;
constexpr int64_t kSecond = 1000000;

TEST(WindowsLidState, LaptopClosedOnADockForFiveMinutes_IsClosedSecondsAndChanges) {
  RecordedLid source;
  LidProbe probe(source);
  // Registration: open; closed at +60 s; opened at +360 s; closed at +400 s.
  source.next = {{kT0, 1}, {kT0 + 60 * kSecond, 0}};
  telltale::v1::Snapshot first;
  probe.collect({}, first);
  EXPECT_TRUE(first.lid().present());
  EXPECT_TRUE(first.lid().closed());
  EXPECT_EQ(first.lid().switch_changes(), 1u);
  source.next = {{kT0 + 360 * kSecond, 1}, {kT0 + 370 * kSecond, 1}, {kT0 + 400 * kSecond, 0}};  // a resume re-sends "open"
  telltale::v1::Snapshot second;
  probe.collect({}, second);
  EXPECT_TRUE(second.lid().closed());
  EXPECT_EQ(second.lid().switch_changes(), 3u);
  EXPECT_EQ(second.lid().closed_seconds(), 300);
  EXPECT_EQ(second.errors_size(), 0);
}

TEST(WindowsLidState, NoNotificationAtAll_SaysNothingAboutALid) {
  RecordedLid source;
  LidProbe probe(source);
  telltale::v1::Snapshot s;
  probe.collect({}, s);
  EXPECT_FALSE(s.has_lid());
}

TEST(WindowsLidState, LiveRegistrationUnderWine_RunsAndReportsAnyRefusal) {
  telltale::platform::windows_probe::SystemLid lid;
  LidProbe probe(lid);
  telltale::v1::Snapshot s;
  EXPECT_NO_THROW(probe.collect({}, s));
  const std::string error = lid.error();
  if (!error.empty()) {
    ASSERT_EQ(s.errors_size(), 1);
    EXPECT_EQ(s.errors(0).probe(), "lid");
    EXPECT_EQ(s.errors(0).message(), error);
  }
}

}  // namespace
