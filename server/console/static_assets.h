#pragma once
// The web UI's files, compiled into the binary from server/console/web/ (see
// embed_web.cmake). "/" and "/index.html" serve index.html; "/static/<path>"
// serves web/<path>. Nothing is read from disk at run time.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/console/console_api.h"

namespace telltale::server::console {

// Generated: (path below web/, bytes) for every embedded file.
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_web_files();

// The response for a GET of an embedded file; nullopt when `path` names
// none (the caller answers: /api/v1 routes, else 404).
std::optional<HttpResponse> static_asset_response(const std::string& method, const std::string& path);

// "text/javascript; charset=utf-8" for app.js …; by extension, octet-stream when unknown.
std::string_view content_type_for(std::string_view path);

}  // namespace telltale::server::console
