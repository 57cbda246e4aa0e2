#pragma once
// Creating an enrollment token: shared by `telltale-ctl token create` and
// the console's token admin page.
#include <filesystem>
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
// std::runtime_error when the CA or address cannot be read. ca_dir: where
// ca.crt lies when the collectors share a CA directory; empty: data_dir.
IssuedToken issue_token(Store& store, const std::filesystem::path& data_dir, int64_t uses, int64_t ttl_seconds,
                        std::string address, const std::string& note, const std::filesystem::path& ca_dir = {});

}  // namespace telltale::server
