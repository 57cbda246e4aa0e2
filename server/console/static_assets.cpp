#include "server/console/static_assets.h"

namespace telltale::server::console {

std::string_view content_type_for(std::string_view path) {
  // With X-Content-Type-Options: nosniff a browser runs a module script only
  // when its type is a JavaScript MIME type, so these must be exact.
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},               {".png", "image/png"},
      {".ico", "image/x-icon"},                {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (auto [ext, type] : kTypes)
    if (path.ends_with(ext)) return type;
  return "application/octet-stream";
}

std::optional<HttpResponse> static_asset_response(const std::string& method, const std::string& path) {
  if (method != "GET") return std::nullopt;
  std::string_view rel;
  if (path == "/" || path == "/index.html")
    rel = "index.html";
  else if (path.starts_with("/static/"))
    rel = std::string_view(path).substr(8);
  else
    return std::nullopt;
  // The lookup is an exact match against the embedded table, so "..", "//"
  // or an encoded path can only miss, never reach the file system.
  for (const auto& [name, bytes] : embedded_web_files()) {
    if (name != rel) continue;
    HttpResponse r;
    r.content_type = std::string(content_type_for(name));
    r.body = std::string(bytes);
    return r;
  }
  return std::nullopt;
}

}  // namespace telltale::server::console
