#pragma once
// telltale-ctl's HTTPS client for a remote console (`--url --token`). The only
// translation unit of telltale-ctl that includes Beast (slow to compile).
//
// Trust: the console has a self-signed certificate (data_dir/console.crt) and
// no CA vouches for it, so the client pins that exact certificate: the
// handshake succeeds only when the server presents the same certificate as
// the file. --insecure skips the check (for a first look on a lab box only).
#include <filesystem>
#include <string>

namespace telltale::ctl {

struct ConsoleTarget {
  std::string url;                   // https://HOST:PORT, optionally with a path prefix
  std::string token;                 // ttc_… API token (Authorization: Bearer)
  std::filesystem::path certificate; // the console's certificate file to pin
  bool insecure = false;
};

struct ConsoleResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// GET path (with query) relative to the URL. Throws std::runtime_error naming
// the URL and what failed (resolve, connect, pin mismatch, read).
ConsoleResponse console_get(const ConsoleTarget& target, const std::string& path);
// Any method; body is sent as application/json when not empty.
ConsoleResponse console_request(const ConsoleTarget& target, const std::string& method, const std::string& path,
                                const std::string& body = {});

}  // namespace telltale::ctl
