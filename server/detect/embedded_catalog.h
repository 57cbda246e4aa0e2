#pragma once
// The default catalog's text, generated at build time from
// server/detect/catalog/catalog.toml (see embed_file.cmake).
#include <string_view>

namespace telltale::detect {
std::string_view embedded_catalog_text();
}
