#include "platform/decode/macos/managed_preferences.h"

namespace telltale::decode::macos {
namespace {

// One value as option text; false when its type has no option form.
bool scalar(const PlistValue& v, std::optional<std::string>& out, bool& skip) {
  skip = false;
  switch (v.kind) {
    case PlistValue::Kind::kString: out = v.text; return true;
    case PlistValue::Kind::kInteger: out = std::to_string(*v.as_int()); return true;
    case PlistValue::Kind::kBool:
      out.reset();
      skip = !v.boolean;
      return true;
    default: return false;
  }
}

const char* kind_name(PlistValue::Kind k) {
  switch (k) {
    case PlistValue::Kind::kBool: return "boolean";
    case PlistValue::Kind::kReal: return "real";
    case PlistValue::Kind::kData: return "data";
    case PlistValue::Kind::kDate: return "date";
    case PlistValue::Kind::kDict: return "dict";
    case PlistValue::Kind::kArray: return "array";
    default: return "value";
  }
}

}  // namespace

ManagedSettingsResult managed_settings(const PlistValue& root) {
  ManagedSettingsResult r;
  if (root.kind != PlistValue::Kind::kDict) {
    r.error = "not a dictionary of settings";
    return r;
  }
  for (size_t i = 0; i < root.keys.size(); ++i) {
    const auto& key = root.keys[i];
    const auto& v = root.values[i];
    if (key.rfind("Payload", 0) == 0) continue;
    std::optional<std::string> text;
    bool skip = false;
    if (v.kind == PlistValue::Kind::kArray) {
      for (const auto& e : v.array) {
        if (e.kind == PlistValue::Kind::kBool || !scalar(e, text, skip)) {
          r.settings.clear();
          r.error = "key \"" + key + "\": an array may hold strings and integers only, found a " + kind_name(e.kind);
          return r;
        }
        r.settings.push_back({key, text});
      }
      continue;
    }
    if (!scalar(v, text, skip)) {
      r.settings.clear();
      r.error = "key \"" + key + "\": a " + std::string(kind_name(v.kind)) + " is not a setting (strings, integers, booleans, arrays)";
      return r;
    }
    if (!skip) r.settings.push_back({key, text});
  }
  return r;
}

}  // namespace telltale::decode::macos
