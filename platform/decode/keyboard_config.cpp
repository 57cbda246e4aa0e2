#include "platform/decode/keyboard_config.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "platform/decode/sysfs_values.h"

namespace telltale::decode {
namespace {

template <typename F>
void for_each_line(std::string_view text, F f) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    f(trim(text.substr(0, nl)));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  if (trim(s).empty()) return out;
  for (;;) {
    auto comma = s.find(',');
    out.emplace_back(trim(s.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// Splits a line into words, honouring double quotes (xorg.conf syntax).
std::vector<std::string> xorg_words(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size() || line[i] == '#') break;
    if (line[i] == '"') {
      auto close = line.find('"', i + 1);
      if (close == std::string_view::npos) close = line.size();
      words.emplace_back(line.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      size_t start = i;
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      words.emplace_back(line.substr(start, i - start));
    }
  }
  return words;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::map<std::string, std::string> parse_shell_assignments(std::string_view text) {
  std::map<std::string, std::string> values;
  for_each_line(text, [&](std::string_view line) {
    if (line.empty() || line.front() == '#') return;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) return;
    auto key = line.substr(0, eq);
    if (!std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; })) return;
    auto value = line.substr(eq + 1);
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      auto close = value.find(value.front(), 1);
      value = value.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
    } else {
      auto hash = value.find(" #");
      value = trim(value.substr(0, hash));
    }
    values[std::string(key)] = std::string(value);
  });
  return values;
}

XkbConfig xkb_from_assignments(const std::map<std::string, std::string>& values) {
  XkbConfig c;
  auto get = [&](const char* key) {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  };
  c.layouts = split_commas(get("XKBLAYOUT"));
  if (c.layouts.empty() && !get("KEYMAP").empty()) c.layouts = {get("KEYMAP")};  // vconsole console keymap
  c.variants = split_commas(get("XKBVARIANT"));
  c.model = get("XKBMODEL");
  c.options = get("XKBOPTIONS");
  return c;
}

XkbConfig parse_xorg_keyboard_conf(std::string_view text) {
  XkbConfig c;
  bool in_input_class = false;
  for_each_line(text, [&](std::string_view line) {
    auto words = xorg_words(line);
    if (words.empty()) return;
    const auto keyword = lower(words[0]);
    if (keyword == "section") {
      in_input_class = words.size() > 1 && lower(words[1]) == "inputclass";
    } else if (keyword == "endsection") {
      in_input_class = false;
    } else if (in_input_class && keyword == "option" && words.size() >= 3) {
      const auto option = lower(words[1]);
      if (option == "xkblayout") c.layouts = split_commas(words[2]);
      else if (option == "xkbvariant") c.variants = split_commas(words[2]);
      else if (option == "xkbmodel") c.model = words[2];
      else if (option == "xkboptions") c.options = words[2];
    }
  });
  return c;
}

std::vector<IniEntry> parse_ini(std::string_view text) {
  std::vector<IniEntry> entries;
  std::string section;
  for_each_line(text, [&](std::string_view line) {
    if (line.empty() || line.front() == '#' || line.front() == ';') return;
    if (line.front() == '[') {
      auto close = line.find(']');
      if (close != std::string_view::npos) section = std::string(line.substr(1, close - 1));
      return;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return;
    entries.push_back({section, std::string(trim(line.substr(0, eq))), std::string(trim(line.substr(eq + 1)))});
  });
  return entries;
}

std::vector<std::string> fcitx5_input_methods(const std::vector<IniEntry>& profile) {
  std::vector<std::string> out;
  for (const auto& e : profile) {
    if (e.key != "Name" || !e.section.starts_with("Groups/") || e.section.find("/Items/") == std::string::npos) continue;
    if (!e.value.empty()) out.push_back(e.value);
  }
  return out;
}

std::vector<std::string> fcitx4_enabled_input_methods(const std::vector<IniEntry>& profile) {
  std::vector<std::string> out;
  for (const auto& e : profile) {
    if (e.key != "EnabledIMList") continue;
    for (const auto& item : split_commas(e.value)) {
      auto colon = item.rfind(':');
      if (colon == std::string::npos || item.substr(colon + 1) != "True" || colon == 0) continue;
      out.push_back(item.substr(0, colon));
    }
  }
  return out;
}

std::vector<std::string> gvariant_strings(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    char q = text[i];
    if (q != '\'' && q != '"') {
      ++i;
      continue;
    }
    std::string value;
    size_t j = i + 1;
    for (; j < text.size() && text[j] != q; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) ++j;
      value.push_back(text[j]);
    }
    out.push_back(std::move(value));
    i = j + 1;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> gvariant_string_pairs(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while ((i = text.find('(', i)) != std::string_view::npos) {
    auto close = text.find(')', i);
    if (close == std::string_view::npos) break;
    auto strings = gvariant_strings(text.substr(i + 1, close - i - 1));
    if (strings.size() == 2) out.emplace_back(strings[0], strings[1]);
    i = close + 1;
  }
  return out;
}

std::string language_of_layout(std::string_view layout) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 62> kTable{{
      {"us", "en"}, {"gb", "en"}, {"ie", "en"}, {"au", "en"}, {"za", "en"}, {"nz", "en"}, {"kr", "ko"},
      {"kp", "ko"}, {"jp", "ja"}, {"cn", "zh"}, {"tw", "zh"}, {"ru", "ru"}, {"ua", "uk"}, {"by", "be"},
      {"de", "de"}, {"at", "de"}, {"ch", "de"}, {"fr", "fr"}, {"be", "fr"}, {"ca", "fr"}, {"es", "es"},
      {"latam", "es"}, {"mx", "es"}, {"it", "it"}, {"pt", "pt"}, {"br", "pt"}, {"nl", "nl"}, {"se", "sv"},
      {"no", "no"}, {"dk", "da"}, {"fi", "fi"}, {"is", "is"}, {"pl", "pl"}, {"cz", "cs"}, {"sk", "sk"},
      {"hu", "hu"}, {"ro", "ro"}, {"bg", "bg"}, {"rs", "sr"}, {"hr", "hr"}, {"si", "sl"}, {"gr", "el"},
      {"tr", "tr"}, {"il", "he"}, {"ara", "ar"}, {"ir", "fa"}, {"in", "hi"}, {"th", "th"}, {"vn", "vi"},
      {"kz", "kk"}, {"mn", "mn"}, {"ge", "ka"}, {"am", "hy"}, {"az", "az"}, {"uz", "uz"}, {"ee", "et"},
      {"lv", "lv"}, {"lt", "lt"}, {"pk", "ur"}, {"bd", "bn"}, {"id", "id"}, {"my", "ms"},
  }};
  // GNOME writes "kr+kr104" and XKB "kr(kr104)": the layout is the part before the variant.
  layout = trim(layout);
  const auto key = lower(layout.substr(0, layout.find_first_of("+(")));
  for (const auto& [l, lang] : kTable)
    if (key == l) return std::string(lang);
  return "";
}

std::string language_of_input_method(std::string_view name) {
  const auto n = lower(trim(name));
  // fcitx5 wraps XKB layouts as "keyboard-LAYOUT[-VARIANT]", fcitx 4 as "fcitx-keyboard-…",
  // IBus as "xkb:LAYOUT:VARIANT:LANG".
  if (n.starts_with("keyboard-") || n.starts_with("fcitx-keyboard-")) {
    auto layout = std::string_view(n).substr(n.starts_with("fcitx-") ? 15 : 9);
    return language_of_layout(layout.substr(0, layout.find('-')));
  }
  if (n.starts_with("xkb:")) {
    auto layout = std::string_view(n).substr(4);
    return language_of_layout(layout.substr(0, layout.find(':')));
  }
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kEngines{{
      {"hangul", "ko"},     {"libhangul", "ko"}, {"pinyin", "zh"},   {"libpinyin", "zh"}, {"shuangpin", "zh"},
      {"rime", "zh"},       {"chewing", "zh"},   {"wubi", "zh"},     {"cangjie", "zh"},   {"sunpinyin", "zh"},
      {"googlepinyin", "zh"}, {"quwei", "zh"},   {"mozc", "ja"},     {"mozc-jp", "ja"},   {"anthy", "ja"},
      {"kkc", "ja"},        {"skk", "ja"},       {"unikey", "vi"},   {"bamboo", "vi"},    {"m17n:ko", "ko"},
      {"m17n:zh", "zh"},    {"m17n:ja", "ja"},
  }};
  for (const auto& [engine, lang] : kEngines)
    if (n == engine) return std::string(lang);
  // Family names with suffixes: "rime-…", "pinyin-…", "table:wubi".
  for (const auto& [engine, lang] : kEngines)
    if (n.starts_with(std::string(engine) + "-") || n.starts_with(std::string(engine) + ":")) return std::string(lang);
  if (n.starts_with("m17n:")) {  // m17n:LANG:NAME
    auto rest = std::string_view(n).substr(5);
    auto lang = rest.substr(0, rest.find(':'));
    if (lang.size() == 2) return std::string(lang);
  }
  return "";
}

}  // namespace telltale::decode
