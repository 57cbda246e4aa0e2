#pragma once
#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// System XKB layouts (etc/default/keyboard, etc/X11/xorg.conf.d/*.conf,
// etc/vconsole.conf) and per-user input methods under home/*: the fcitx5
// profile (.config/fcitx5/profile), the fcitx 4 profile (.config/fcitx/profile,
// enabled entries of EnabledIMList) and dconf keyfiles in .config/dconf/user.d/
// (IBus preload-engines, GNOME input-sources). The binary dconf database
// (.config/dconf/user) is GVariant and not read: only text keyfiles are.
// Files under a home are read through common/user_file.h: a symlink anywhere
// below the home, a non-regular file or a file not owned by the home's owner
// is refused with a ProbeError, never followed.
class KeyboardProbe final : public Probe {
 public:
  std::string_view name() const override { return "keyboard"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
};

}  // namespace telltale::platform::linux_probe
