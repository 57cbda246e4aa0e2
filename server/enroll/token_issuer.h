#pragma once
// Creating an enrollment token: shared by `telltale-ctl token create` and
// the console's token admin page.
#include <filesystem>
#include <optional>
#include <string>

#include "server/store/store.h"

namespace telltale::server {

struct IssuedToken {
  std::string token;  // shown once; only its hash is stored
  TokenRecord record;
  std::string address;
};

// address empty: the collector's recorded advertise/listen address in
// data_dir. Throws std::invalid_argument for bad uses/ttl and
// std::runtime_error when the CA or address cannot be read. The CA whose
// pin the token carries: ca_pem when given (a CA kept in the database),
// else ca_dir/ca.crt (collectors sharing a CA directory), else data_dir/ca.crt.
IssuedToken issue_token(Store& store, const std::filesystem::path& data_dir, int64_t uses, int64_t ttl_seconds,
                        std::string address, const std::string& note, const std::filesystem::path& ca_dir = {},
                        const std::optional<std::string>& ca_pem = std::nullopt);

}  // namespace telltale::server
