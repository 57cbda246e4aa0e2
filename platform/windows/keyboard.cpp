#include "platform/windows/keyboard.h"

#include <windows.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "platform/decode/text_sanitize.h"
#include "platform/windows/probe_error.h"
#include "platform/windows/registry.h"
#include "platform/windows/win32_error.h"

namespace telltale::platform::windows_probe {
namespace {

// A KLID ("00000412", "e0010412") names its language in the low 16 bits.
std::string language_of_langid(unsigned langid) {
  wchar_t name[LOCALE_NAME_MAX_LENGTH] = {};
  if (LCIDToLocaleName(MAKELCID(langid, SORT_DEFAULT), name, LOCALE_NAME_MAX_LENGTH, 0) <= 0) return "";
  std::string locale = win::utf8(name);
  return locale.substr(0, locale.find('-'));
}
std::string language_of_klid(const std::string& klid) {
  char* end = nullptr;
  const unsigned long value = std::strtoul(klid.c_str(), &end, 16);
  if (klid.empty() || *end != '\0') return "";
  return language_of_langid(value & 0xFFFF);
}

// Text services (TSF) Windows ships for CJK input, by CLSID.
std::string tip_name(std::string clsid) {
  std::transform(clsid.begin(), clsid.end(), clsid.begin(), [](char c) { return char(std::toupper(static_cast<unsigned char>(c))); });
  static const std::map<std::string, std::string> known = {
      {"{A028AE76-01B1-46C2-99C4-ACD9858AE02F}", "Microsoft IME (Korean)"},
      {"{03B5835F-F03C-411B-9CE2-AA23E1171E36}", "Microsoft IME (Japanese)"},
      {"{81D4E9C9-1D3B-41BC-9E6C-4B40BF79E35E}", "Microsoft Pinyin"},
      {"{531FDEBF-9B4C-4A43-A2AA-960E8FCDC732}", "Microsoft Bopomofo"},
  };
  auto it = known.find(clsid);
  return it == known.end() ? clsid : it->second;
}

struct Layouts {
  std::vector<std::string> klids;
  std::string source;
};

Layouts preload(const std::wstring& hive_path, const std::string& label, telltale::v1::Snapshot& out) {
  Layouts result;
  result.source = "HKU\\" + label + "\\Keyboard Layout\\Preload";
  win::RegKey key(HKEY_USERS, hive_path + L"\\Keyboard Layout\\Preload");
  if (!key.ok()) {
    if (!key.missing()) add_error(out, "keyboard", result.source, key.error());
    return result;
  }
  win::RegKey substitutes(HKEY_USERS, hive_path + L"\\Keyboard Layout\\Substitutes");
  // Values are "1", "2", … in the user's order.
  auto names = key.value_names();
  std::sort(names.begin(), names.end(), [](const std::wstring& a, const std::wstring& b) {
    return std::wcstoul(a.c_str(), nullptr, 10) < std::wcstoul(b.c_str(), nullptr, 10);
  });
  for (const auto& n : names) {
    auto klid = key.string(n);
    if (!klid) continue;
    if (auto sub = substitutes.string(win::wide(*klid))) klid = sub;
    result.klids.push_back(decode::sanitize_utf8(*klid));
  }
  return result;
}

void text_services(const std::wstring& sid, const std::string& label, telltale::v1::UserInputMethods& user) {
  const std::wstring base = sid + L"\\Software\\Microsoft\\CTF\\SortOrder\\AssemblyItem";
  win::RegKey items(HKEY_USERS, base);
  for (const auto& lang : items.subkeys()) {  // "0x00000412"
    const unsigned langid = unsigned(std::wcstoul(lang.c_str(), nullptr, 16)) & 0xFFFF;
    win::RegKey lang_key(HKEY_USERS, base + L"\\" + lang);
    for (const auto& category : lang_key.subkeys()) {
      win::RegKey cat(HKEY_USERS, base + L"\\" + lang + L"\\" + category);
      for (const auto& slot : cat.subkeys()) {
        win::RegKey entry(HKEY_USERS, base + L"\\" + lang + L"\\" + category + L"\\" + slot);
        const auto clsid = entry.string(L"CLSID");
        if (!clsid || clsid->empty() || *clsid == "{00000000-0000-0000-0000-000000000000}") continue;  // a plain layout
        auto* im = user.add_input_methods();
        im->set_framework("tsf");
        im->set_name(decode::sanitize_utf8(tip_name(*clsid)));
        im->set_language(language_of_langid(langid));
        im->set_source("HKU\\" + label + "\\Software\\Microsoft\\CTF\\SortOrder\\AssemblyItem\\" + win::utf8(lang));
      }
    }
  }
}

}  // namespace

void KeyboardProbe::collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) {
  auto& kb = *out.mutable_keyboard();
  const auto system = preload(L".DEFAULT", ".DEFAULT", out);
  for (const auto& klid : system.klids) {
    auto* l = kb.add_system_layouts();
    l->set_layout(klid);
    l->set_language(language_of_klid(klid));
    l->set_source(system.source);
  }
  for (const auto& sid : win::RegKey(HKEY_USERS, L"").subkeys()) {
    // Real user hives only: S-1-5-21-…, not their _Classes twins or the
    // service accounts (S-1-5-18/19/20).
    if (sid.rfind(L"S-1-5-21-", 0) != 0 || sid.size() > 8 && sid.ends_with(L"_Classes")) continue;
    const std::string label = win::utf8(sid);
    const auto layouts = preload(sid, label, out);
    telltale::v1::UserInputMethods user;
    user.set_user(label);
    for (const auto& klid : layouts.klids) {
      auto* im = user.add_input_methods();
      im->set_framework("windows");
      im->set_name(klid);
      im->set_language(language_of_klid(klid));
      im->set_source(layouts.source);
    }
    text_services(sid, label, user);
    if (user.input_methods_size() > 0) *kb.add_users() = std::move(user);
  }
}

}  // namespace telltale::platform::windows_probe
