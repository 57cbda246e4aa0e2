#pragma once
// A directory only the agent's own account and administrators can read: the
// agent's state (device key, certificate, spool).
//   POSIX:   mode 0700, owned by the user running the agent (root).
//   Windows: a protected DACL granting full control to SYSTEM and the
//            Administrators group only, inherited by every file created in
//            it (kPrivateDirSddl), replacing whatever the parent passed down.
#include <filesystem>
#include <string_view>

namespace telltale {

// The Windows DACL in SDDL: P = protected (no inherited entries), OICI =
// inherited by files and subdirectories, FA = full access, SY = SYSTEM,
// BA = BUILTIN\Administrators.
inline constexpr std::string_view kPrivateDirSddl = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

// Creates `dir` (and missing parents) if needed and restricts it as above,
// also when it already existed. Throws std::runtime_error naming the path
// and the OS's reason.
void make_private_dir(const std::filesystem::path& dir);

}  // namespace telltale
