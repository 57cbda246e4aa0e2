#pragma once
// Keyboard input sources of one user from
// ~/Library/Preferences/com.apple.HIToolbox.plist (binary or XML).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/decode/macos/plist_value.h"

namespace telltale::decode::macos {

struct InputSource {
  std::string kind;        // "Keyboard Layout", "Input Mode", "Keyboard Input Method", …
  std::string bundle_id;   // "com.apple.inputmethod.Korean"
  std::string input_mode;  // "com.apple.inputmethod.Korean.2SetKorean"
  std::string layout_name; // "ABC", "U.S.", "Russian - PC"
  std::optional<int64_t> layout_id;  // KeyboardLayout ID; negative for Unicode layouts
  bool selected = false;   // in AppleSelectedInputSources
  std::string language;    // ISO 639-1 derived from the ids/names, "" when unknown

  // What the snapshot names it by: the input mode, else the bundle id, else
  // "com.apple.keylayout.<name>" as macOS's TIS identifiers spell layouts.
  std::string id() const;
};

struct HiToolboxResult {
  std::vector<InputSource> sources;  // enabled ones, in the file's order (selected ones appended when not enabled)
  std::string error;                 // set when the file is not an HIToolbox plist
};

HiToolboxResult parse_hitoolbox(const PlistValue& plist);

// ISO 639-1 for an input source id or layout name ("" when unknown).
std::string language_of_input_source(const std::string& id_or_name);

}  // namespace telltale::decode::macos
