// Proves the replay driver fails when a harness crashes (CTest WILL_FAIL):
// without it, a driver that swallowed crashes would pass every fuzz test.
#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= 5 && std::memcmp(data, "CRASH", 5) == 0) __builtin_trap();
  return 0;
}
