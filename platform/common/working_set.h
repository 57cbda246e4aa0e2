#pragma once
// The agent is idle 299 s of every 300: between collections it only answers
// heartbeats. Yet after a collection its resident set holds every library
// page the probes, TLS and gRPC touched — ~20 MB of clean, file-backed code
// of libgrpc, libcrypto, libprotobuf… (measured with smaps; the heap is ~3 MB).
// Trimming hands those pages back: clean file pages are dropped from this
// process (they stay in the page cache and fault back in at the next use)
// and the heap's free pages are returned with malloc_trim.
// On Windows (windows/working_set.cpp) the same intent is one call:
// SetProcessWorkingSetSize(-1, -1) empties the working set; `maps` is unused.
#include <cstdint>
#include <filesystem>
#include <string>

namespace telltale {

struct TrimStats {
  size_t regions = 0;      // read-only file mappings advised
  uint64_t bytes = 0;      // their total size
  std::string error;       // maps unreadable; nothing advised
};

// MADV_PAGEOUT on every file-backed mapping without write permission (code
// and read-only data: clean, so nothing is written anywhere). The kernel
// skips pages another process also maps, so shared libraries in use by
// others stay put. Writable mappings are left alone: without swap their
// private pages could not go anywhere.
TrimStats trim_working_set(const std::filesystem::path& maps = "/proc/self/maps");

}  // namespace telltale
