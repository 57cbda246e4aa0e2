#pragma once
// Keyboard layouts and input methods per user, from the registry every
// Windows session loads them from: HKU\<SID>\Keyboard Layout\Preload (the
// user's layout list, by KLID, through Substitutes) and the text-service
// profiles under HKU\<SID>\Software\Microsoft\CTF\SortOrder\AssemblyItem
// (the Korean, Japanese and Chinese IMEs). HKU\.DEFAULT is the logon screen's
// list, reported as the system layouts. GetKeyboardLayoutList is not used: it
// covers only the calling session (and Wine ignores the registry for it).
#include "platform/probe.h"

namespace telltale::platform::windows_probe {

class KeyboardProbe final : public Probe {
 public:
  std::string_view name() const override { return "keyboard"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
};

}  // namespace telltale::platform::windows_probe
