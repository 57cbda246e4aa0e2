#pragma once
// Picks the store backend from what the operator wrote: a postgresql:// URL
// selects the shared PostgreSQL store, anything else is a sqlite file path
// (the embedded default). Collector and ctl both open their store here so
// they always agree on what a --store value means.
#include <memory>
#include <string>

#include "server/store/compact_history.h"
#include "server/store/store.h"

namespace telltale::server {

struct StoreOptions {
  size_t postgres_pool_size = 4;  // connections a PostgreSQL store may open; sqlite has one writer
  HistoryPolicy history;          // how full snapshots are kept (compact_history.h)
};

std::unique_ptr<Store> open_store(const std::string& url_or_path, const StoreOptions& options = {});

}  // namespace telltale::server
