#pragma once
// Bounded file reads. sysfs and procfs files are small, but a fixture, a
// hostile file or a device node must never make us read without limit.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace telltale {

struct ReadResult {
  std::optional<std::string> data;  // unset on error
  std::string error;                // "No such file or directory", "larger than 65536 bytes"…
  bool missing = false;             // the file does not exist (often a fact, not an error)
};

// Reads at most max_bytes; a larger file is an error (never silently truncated).
ReadResult read_file(const std::filesystem::path& path, size_t max_bytes = 64 * 1024);

// The same read from an open descriptor, which it closes.
ReadResult read_fd(int fd, size_t max_bytes);

// Convenience for sysfs attributes: the value with trailing newlines/spaces removed,
// or nullopt when the file is missing or unreadable.
std::optional<std::string> read_attribute(const std::filesystem::path& path, size_t max_bytes = 4096);

// Writes atomically (temp file + fsync + rename) with the given mode.
void write_file_atomic(const std::filesystem::path& path, std::string_view data, unsigned mode = 0600);

}  // namespace telltale
