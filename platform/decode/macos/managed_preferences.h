#pragma once
// The agent's settings an MDM profile delivers on macOS: the custom-settings
// payload of domain com.telltale.agent, which macOS writes to
// /Library/Managed Preferences/com.telltale.agent.plist. Its keys are the
// agent's option names (those of agent.toml); this turns them into the
// settings the command line would carry.
#include <optional>
#include <string>
#include <vector>

#include "platform/decode/macos/plist_value.h"

namespace telltale::decode::macos {

struct ManagedSetting {
  std::string key;                   // option name, "collect-interval"
  std::optional<std::string> value;  // nullopt: a switch that is on (`once = true`)
};

struct ManagedSettingsResult {
  std::vector<ManagedSetting> settings;  // in the file's order; an array gives one per element
  std::string error;                     // set (settings empty) when the file cannot be used
};

// Strings as they are, integers in decimal, true switches on (false leaves
// them off), arrays of those repeat the key. The Payload* keys a profile's
// payload carries are not settings. Any other type is an error naming the
// key: a setting is never dropped in silence.
ManagedSettingsResult managed_settings(const PlistValue& root);

}  // namespace telltale::decode::macos
