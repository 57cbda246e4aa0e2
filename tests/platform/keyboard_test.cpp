#include "platform/linux/keyboard.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "platform/decode/keyboard_config.h"
#include "sensor_test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace telltale::decode;
using telltale::platform::linux_probe::KeyboardProbe;

using sensor_test::kFixtures;

telltale::v1::Snapshot collect(const fs::path& root) {
  KeyboardProbe probe;
  return sensor_test::collect_from(probe, root);
}

TEST(KeyboardConfig, DebianDefaultKeyboardWithCommaLists_SplitsLayoutsAndVariants) {
  auto c = xkb_from_assignments(parse_shell_assignments(
      "# comment\nXKBMODEL=\"kr106\"\nXKBLAYOUT=\"kr,us\"\nXKBVARIANT=\"kr104,\"\nXKBOPTIONS='korean:ralt_hangul'\n"));
  EXPECT_EQ(c.layouts, (std::vector<std::string>{"kr", "us"}));
  EXPECT_EQ(c.variants, (std::vector<std::string>{"kr104", ""}));
  EXPECT_EQ(c.model, "kr106");
  EXPECT_EQ(c.options, "korean:ralt_hangul");
}

TEST(KeyboardConfig, VconsoleWithOnlyKeymap_UsesKeymapAsLayout) {
  auto c = xkb_from_assignments(parse_shell_assignments("KEYMAP=ru\nFONT=cyr-sun16\n"));
  EXPECT_EQ(c.layouts, std::vector<std::string>{"ru"});
}

TEST(KeyboardConfig, XorgInputClassOptions_AreReadOnlyInsideInputClass) {
  auto c = parse_xorg_keyboard_conf(
      "Section \"ServerLayout\"\n  Option \"XkbLayout\" \"de\"\nEndSection\n"
      "Section \"InputClass\"\n  Identifier \"system-keyboard\"\n  MatchIsKeyboard \"on\"\n"
      "  Option \"XkbLayout\" \"cn,us\" # trailing comment\n  Option \"XkbOptions\" \"grp:alt_shift_toggle\"\nEndSection\n");
  EXPECT_EQ(c.layouts, (std::vector<std::string>{"cn", "us"}));
  EXPECT_EQ(c.options, "grp:alt_shift_toggle");
}

TEST(KeyboardConfig, GVariantArraysOfStringsAndPairs_Parse) {
  EXPECT_EQ(gvariant_strings("['hangul', 'xkb:us::eng']"), (std::vector<std::string>{"hangul", "xkb:us::eng"}));
  auto pairs = gvariant_string_pairs("[('xkb', 'us'), ('ibus', 'libpinyin')]");
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[1], (std::pair<std::string, std::string>{"ibus", "libpinyin"}));
  EXPECT_TRUE(gvariant_strings("@as []").empty());
}

TEST(KeyboardConfig, LanguageTable_MapsLayoutsAndEngines) {
  EXPECT_EQ(language_of_layout("kr"), "ko");
  EXPECT_EQ(language_of_layout("jp"), "ja");
  EXPECT_EQ(language_of_layout("cn"), "zh");
  EXPECT_EQ(language_of_layout("ru"), "ru");
  EXPECT_EQ(language_of_layout("us"), "en");
  EXPECT_EQ(language_of_layout("xx"), "");
  EXPECT_EQ(language_of_input_method("hangul"), "ko");
  EXPECT_EQ(language_of_input_method("pinyin"), "zh");
  EXPECT_EQ(language_of_input_method("rime"), "zh");
  EXPECT_EQ(language_of_input_method("mozc"), "ja");
  EXPECT_EQ(language_of_input_method("anthy"), "ja");
  EXPECT_EQ(language_of_input_method("keyboard-kr-kr104"), "ko");
  EXPECT_EQ(language_of_input_method("xkb:us::eng"), "en");
  EXPECT_EQ(language_of_input_method("xkb:kr+kr104"), "ko");
  EXPECT_EQ(language_of_input_method("m17n:ko:romaja"), "ko");
}

TEST(KeyboardConfig, MalformedText_YieldsNothingRatherThanGarbage) {
  EXPECT_TRUE(xkb_from_assignments(parse_shell_assignments("=\n==\nXKB LAYOUT=kr\n\"\n")).empty());
  EXPECT_TRUE(parse_xorg_keyboard_conf("Section \"InputClass\n Option \"XkbLayout\"\n").empty());
  EXPECT_TRUE(fcitx5_input_methods(parse_ini("[Groups/0/Items/0\nName=hangul\n")).empty());
}

TEST(KeyboardProbe, KoreanLaptop_ShowsKrLayoutsAndHangulForBothUsers) {
  auto s = collect(kFixtures / "korean-ime-laptop");
  const auto& kb = s.keyboard();
  ASSERT_EQ(kb.system_layouts_size(), 3);  // kr/kr104, us, and the console's bare kr
  EXPECT_EQ(kb.system_layouts(0).layout(), "kr");
  EXPECT_EQ(kb.system_layouts(0).variant(), "kr104");
  EXPECT_EQ(kb.system_layouts(0).language(), "ko");
  EXPECT_EQ(kb.system_layouts(0).source(), "etc/default/keyboard");
  EXPECT_EQ(kb.system_layouts(1).language(), "en");
  EXPECT_EQ(kb.system_layouts(2).source(), "etc/vconsole.conf");
  EXPECT_EQ(kb.model(), "kr106");
  EXPECT_EQ(kb.options(), "korean:ralt_hangul,korean:rctrl_hanja");

  ASSERT_EQ(kb.users_size(), 2);
  EXPECT_EQ(kb.users(0).user(), "jiwoo");
  const auto& jiwoo = kb.users(0).input_methods();
  ASSERT_EQ(jiwoo.size(), 4);
  EXPECT_EQ(jiwoo[0].framework(), "ibus");
  EXPECT_EQ(jiwoo[0].name(), "hangul");
  EXPECT_EQ(jiwoo[0].language(), "ko");
  EXPECT_EQ(jiwoo[0].source(), "home/jiwoo/.config/dconf/user.d/00-input");
  EXPECT_EQ(jiwoo[2].framework(), "gnome");
  EXPECT_EQ(jiwoo[2].name(), "xkb:kr+kr104");
  EXPECT_EQ(kb.users(1).user(), "minsu");
  const auto& minsu = kb.users(1).input_methods();
  ASSERT_EQ(minsu.size(), 2);
  EXPECT_EQ(minsu[1].framework(), "fcitx5");
  EXPECT_EQ(minsu[1].name(), "hangul");
  EXPECT_EQ(minsu[1].language(), "ko");
}

TEST(KeyboardProbe, UnreadableProfileOfOneUser_IsReportedAndOthersStillRead) {
  auto s = collect(kFixtures / "korean-ime-laptop");
  ASSERT_EQ(s.errors_size(), 1);
  EXPECT_EQ(s.errors(0).probe(), "keyboard");
  EXPECT_EQ(s.errors(0).path(), "home/guest/.config/fcitx5/profile");
  EXPECT_EQ(s.keyboard().users_size(), 2);
}

TEST(KeyboardProbe, Fcitx4ProfileWithPinyinEnabledAndMozcDisabled_ShowsOnlyEnabledOnes) {
  sensor_test::TempRoot root("kb4");
  root.put("home/wei/.config/fcitx/profile",
           "[Profile]\n#Input Method List\nIMName=pinyin\n"
           "EnabledIMList=fcitx-keyboard-us:True,pinyin:True,mozc:False,sunpinyin:True\n");
  auto s = collect(root.path);
  ASSERT_EQ(s.keyboard().users_size(), 1);
  const auto& ims = s.keyboard().users(0).input_methods();
  ASSERT_EQ(ims.size(), 3);
  EXPECT_EQ(ims[0].framework(), "fcitx");
  EXPECT_EQ(ims[0].name(), "fcitx-keyboard-us");
  EXPECT_EQ(ims[0].language(), "en");
  EXPECT_EQ(ims[1].name(), "pinyin");
  EXPECT_EQ(ims[1].language(), "zh");
  EXPECT_EQ(ims[2].name(), "sunpinyin");
  EXPECT_EQ(ims[2].source(), "home/wei/.config/fcitx/profile");
}

TEST(KeyboardProbe, CleanUsLaptop_ShowsOnlyEnglish) {
  auto s = collect(kFixtures / "clean-home-laptop");
  ASSERT_EQ(s.keyboard().system_layouts_size(), 1);
  EXPECT_EQ(s.keyboard().system_layouts(0).layout(), "us");
  EXPECT_EQ(s.keyboard().model(), "pc105");
  ASSERT_EQ(s.keyboard().users_size(), 1);
  EXPECT_EQ(s.keyboard().users(0).input_methods(0).language(), "en");
  EXPECT_EQ(s.errors_size(), 0);
}

}  // namespace
