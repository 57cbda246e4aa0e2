#include "platform/decode/macos/hitoolbox.h"

#include <algorithm>

namespace telltale::decode::macos {
namespace {

InputSource source_from(const PlistValue& v) {
  InputSource s;
  s.kind = v.string_at("InputSourceKind").value_or("");
  s.bundle_id = v.string_at("Bundle ID").value_or("");
  s.input_mode = v.string_at("Input Mode").value_or("");
  s.layout_name = v.string_at("KeyboardLayout Name").value_or("");
  s.layout_id = v.int_at("KeyboardLayout ID");
  s.language = language_of_input_source(s.id());
  if (s.language.empty() && !s.layout_name.empty()) s.language = language_of_input_source(s.layout_name);
  return s;
}

bool same(const InputSource& a, const InputSource& b) {
  return a.kind == b.kind && a.bundle_id == b.bundle_id && a.input_mode == b.input_mode && a.layout_name == b.layout_name &&
         a.layout_id == b.layout_id;
}

}  // namespace

std::string InputSource::id() const {
  if (!input_mode.empty()) return input_mode;
  if (!bundle_id.empty()) return bundle_id;
  if (!layout_name.empty()) {
    std::string n = layout_name;
    n.erase(std::remove(n.begin(), n.end(), ' '), n.end());
    return "com.apple.keylayout." + n;
  }
  return "";
}

std::string language_of_input_source(const std::string& id) {
  struct Prefix {
    const char* prefix;
    const char* lang;
  };
  // Apple's own input methods and the layout names of the languages the
  // catalog and the context rules care about.
  static constexpr Prefix kPrefixes[] = {
      {"com.apple.inputmethod.Korean", "ko"},   {"com.apple.inputmethod.SCIM", "zh"},
      {"com.apple.inputmethod.TCIM", "zh"},     {"com.apple.inputmethod.ChineseHandwriting", "zh"},
      {"com.apple.inputmethod.Kotoeri", "ja"},  {"com.apple.inputmethod.Japanese", "ja"},
      {"com.apple.inputmethod.VietnameseIM", "vi"}, {"com.apple.inputmethod.TYIM", "zh"},
      {"com.apple.keylayout.2SetHangul", "ko"}, {"com.apple.keylayout.Russian", "ru"},
      {"com.apple.keylayout.Ukrainian", "uk"},  {"com.apple.keylayout.US", "en"},
      {"com.apple.keylayout.ABC", "en"},        {"com.apple.keylayout.British", "en"},
      {"com.apple.keylayout.Australian", "en"}, {"com.apple.keylayout.Canadian", "en"},
      {"com.apple.keylayout.German", "de"},     {"com.apple.keylayout.French", "fr"},
      {"com.apple.keylayout.Spanish", "es"},    {"com.apple.keylayout.Italian", "it"},
      {"com.apple.keylayout.Vietnamese", "vi"}, {"com.apple.keylayout.Polish", "pl"},
      {"Russian", "ru"}, {"Ukrainian", "uk"}, {"U.S.", "en"}, {"ABC", "en"}, {"British", "en"},
      {"German", "de"}, {"French", "fr"}, {"2-Set Korean", "ko"}, {"Vietnamese", "vi"},
  };
  for (const auto& p : kPrefixes)
    if (id.starts_with(p.prefix)) return p.lang;
  return "";
}

HiToolboxResult parse_hitoolbox(const PlistValue& plist) {
  HiToolboxResult r;
  if (plist.kind != PlistValue::Kind::kDict) {
    r.error = "top level is not a dictionary";
    return r;
  }
  const auto* enabled = plist.get("AppleEnabledInputSources");
  const auto* selected = plist.get("AppleSelectedInputSources");
  if (!enabled && !selected) {
    r.error = "neither AppleEnabledInputSources nor AppleSelectedInputSources present";
    return r;
  }
  if (enabled && enabled->kind == PlistValue::Kind::kArray)
    for (const auto& v : enabled->array)
      if (v.kind == PlistValue::Kind::kDict) r.sources.push_back(source_from(v));
  if (selected && selected->kind == PlistValue::Kind::kArray)
    for (const auto& v : selected->array) {
      if (v.kind != PlistValue::Kind::kDict) continue;
      auto s = source_from(v);
      // The selected list names the method and its mode separately; mark both.
      bool found = false;
      for (auto& e : r.sources)
        if (same(e, s)) e.selected = found = true;
      if (!found && !s.id().empty()) {
        s.selected = true;
        r.sources.push_back(std::move(s));
      }
    }
  return r;
}

}  // namespace telltale::decode::macos
