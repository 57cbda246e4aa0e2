#pragma once
// Reading files below a user's home directory as root, without letting the
// user aim the read elsewhere. The user owns every name under the home, so a
// symlink (`~/.config/fcitx5/profile -> /etc/shadow`, or `~/.config ->
// /root/.config`) or a hard link to someone else's file would otherwise make
// the root agent read it and report its content.
//
// The rule, kept simple so it is clearly sound:
//  - the path is walked one component at a time from the home directory
//    with openat(O_NOFOLLOW | O_DIRECTORY): no symlink is followed anywhere
//    below the home, and the home itself is not a symlink;
//  - the file must be a regular file (no FIFO, device or socket: checked
//    before it is opened, so opening has no side effect) owned by the home
//    directory's owner (a hard link to another user's or root's file keeps
//    that owner and is refused);
//  - it is read with the usual size cap; larger is an error, never truncated.
// Missing files are `missing` (often a fact). Refusals are errors saying what
// and why, for a ProbeError.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "platform/common/file.h"

namespace telltale {

// relative: below home, '/'-separated, e.g. ".config/fcitx5/profile".
ReadResult read_user_file(const std::filesystem::path& home, std::string_view relative, size_t max_bytes);

struct UserDirListing {
  std::vector<std::string> names;  // entry names (not . and ..), unsorted, at most max_entries
  bool missing = false;
  std::string error;               // set when refused or unreadable
};

// Entries of a directory below home, reached by the same walk.
UserDirListing list_user_dir(const std::filesystem::path& home, std::string_view relative, size_t max_entries);

}  // namespace telltale
