// Keyboard layouts and IMEs per user from HKU\<SID>.
#include <gtest/gtest.h>

#include "platform/windows/keyboard.h"
#include "registry_fixture.h"

namespace {

using namespace telltale::platform::windows_probe;
using telltale::testing::RegistryFixture;

const telltale::v1::UserInputMethods* fixture_user(const telltale::v1::Snapshot& s) {
  for (const auto& u : s.keyboard().users())
    if (u.user() == "S-1-5-21-3623811015-3361044348-30300820-1001") return &u;
  return nullptr;
}

TEST(WindowsKeyboardProbe, KoreanImeUser_HasKoreanLayoutAndMicrosoftIme) {
  RegistryFixture machine("korean-ime-laptop");
  telltale::v1::Snapshot s;
  KeyboardProbe().collect({}, s);
  const auto* user = fixture_user(s);
  ASSERT_NE(user, nullptr) << s.DebugString();
  ASSERT_EQ(user->input_methods_size(), 3);
  EXPECT_EQ(user->input_methods(0).name(), "00000409");
  EXPECT_EQ(user->input_methods(0).language(), "en");
  EXPECT_EQ(user->input_methods(1).name(), "00000412");
  EXPECT_EQ(user->input_methods(1).language(), "ko");
  EXPECT_EQ(user->input_methods(2).framework(), "tsf");
  EXPECT_EQ(user->input_methods(2).name(), "Microsoft IME (Korean)");
  EXPECT_EQ(user->input_methods(2).language(), "ko");
}

TEST(WindowsKeyboardProbe, CleanLaptopUser_TypesUsEnglishOnly) {
  RegistryFixture machine("clean-laptop");
  telltale::v1::Snapshot s;
  KeyboardProbe().collect({}, s);
  const auto* user = fixture_user(s);
  ASSERT_NE(user, nullptr);
  ASSERT_EQ(user->input_methods_size(), 1);
  EXPECT_EQ(user->input_methods(0).language(), "en");
}

}  // namespace
