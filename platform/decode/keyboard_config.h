#pragma once
// Keyboard layout and input-method configuration as distributions and desktop
// frameworks write it. Pure: text in, values out.
//  - etc/default/keyboard, etc/vconsole.conf: shell assignments (XKBLAYOUT="kr,us")
//  - etc/X11/xorg.conf.d/00-keyboard.conf: Section "InputClass" … Option "XkbLayout" "kr"
//  - fcitx5 profile: INI, [Groups/N/Items/M] Name=hangul
//  - dconf keyfiles: [desktop/ibus/general] preload-engines=['hangul'],
//    [org/gnome/desktop/input-sources] sources=[('xkb', 'us'), ('ibus', 'hangul')]
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace telltale::decode {

struct XkbConfig {
  std::vector<std::string> layouts;   // comma lists split, empty entries kept as ""
  std::vector<std::string> variants;  // index-aligned with layouts when given
  std::string model;
  std::string options;
  bool empty() const { return layouts.empty() && model.empty() && options.empty(); }
};

// KEY=value, KEY="value", KEY='value'; '#' comments; last assignment wins.
std::map<std::string, std::string> parse_shell_assignments(std::string_view text);
// From etc/default/keyboard (XKBLAYOUT, XKBVARIANT, XKBMODEL, XKBOPTIONS) or
// etc/vconsole.conf (XKBLAYOUT…, else KEYMAP as the layout).
XkbConfig xkb_from_assignments(const std::map<std::string, std::string>& values);
// Option "XkbLayout"/"XkbVariant"/"XkbModel"/"XkbOptions" inside InputClass sections.
XkbConfig parse_xorg_keyboard_conf(std::string_view text);

struct IniEntry {
  std::string section;
  std::string key;
  std::string value;
};
// INI / GLib keyfile: [section], key=value, '#' and ';' comments.
std::vector<IniEntry> parse_ini(std::string_view text);

// fcitx5 profile: the Name of every [Groups/N/Items/M], in file order.
std::vector<std::string> fcitx5_input_methods(const std::vector<IniEntry>& profile);
// fcitx 4 profile: EnabledIMList=fcitx-keyboard-us:True,pinyin:True,mozc:False → enabled names only.
std::vector<std::string> fcitx4_enabled_input_methods(const std::vector<IniEntry>& profile);
// Quoted strings of a GVariant text array: "['hangul', 'xkb:us::eng']" → {hangul, xkb:us::eng}.
std::vector<std::string> gvariant_strings(std::string_view text);
// "[('xkb', 'us'), ('ibus', 'hangul')]" → {{xkb, us}, {ibus, hangul}}.
std::vector<std::pair<std::string, std::string>> gvariant_string_pairs(std::string_view text);

// ISO 639-1 code for an XKB layout ("kr" → "ko"), "" when unknown.
std::string language_of_layout(std::string_view layout);
// ISO 639-1 code for an input method / engine name ("hangul" → "ko",
// "keyboard-kr" and "xkb:kr:kr104:kor" → "ko"), "" when unknown.
std::string language_of_input_method(std::string_view name);

}  // namespace telltale::decode
