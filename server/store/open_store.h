#pragma once
// Picks the store backend from what the operator wrote: a postgresql:// URL
// selects the shared PostgreSQL store, anything else is a sqlite file path
// (the embedded default). Collector and ctl both open their store here so
// they always agree on what a --store value means.
#include <memory>
#include <string>

#include "server/store/store.h"

namespace telltale::server {

std::unique_ptr<Store> open_store(const std::string& url_or_path);

}  // namespace telltale::server
