// fuzz-links: telltale_detect
// The detection catalog loader on arbitrary text: a bad entry must be a
// CatalogError naming the line, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/detect/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto catalog = telltale::detect::Catalog::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml");
    catalog.watchlist();
  } catch (const std::exception&) {
  }
  return 0;
}
