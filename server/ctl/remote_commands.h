#pragma once
// telltale-ctl against a remote console (`--url https://HOST:PORT --token
// ttc_…`): the same reads as the console's JSON API, rendered with the local
// commands' table/CSV/JSON output. Lists go through render() like the local
// commands; detail commands (overview, device, case) print the API's JSON
// as-is for --format json and sectioned tables otherwise.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "server/ctl/console_client.h"
#include "server/ctl/output.h"

namespace telltale::ctl {

struct RemoteContext {
  ConsoleTarget target;
  Format format = Format::kTable;
  std::ostream& out;
  std::ostream& err;
};

// words: overview | devices | device ID | clusters | cases | case ID | audit |
// agent-health | export ID. export_format (json|html) is for export only.
// Returns the exit code (0 ok, 1 the console refused or failed); throws
// std::invalid_argument for a usage error and std::runtime_error when the
// console cannot be reached.
// api-tokens | api-token create USER | api-token revoke ID | user disable|enable NAME
// are admin writes; ttl_days (0: the console's default) is for api-token create.
int remote_command(RemoteContext& ctx, const std::vector<std::string>& words, const std::string& export_format,
                   int64_t ttl_days = 0);

// True when words[0] is a command remote mode knows.
bool is_remote_command(const std::string& word);

}  // namespace telltale::ctl
