#include "server/store/open_store.h"

#include "server/store/postgres_store.h"
#include "server/store/sqlite_store.h"

namespace telltale::server {

std::unique_ptr<Store> open_store(const std::string& url_or_path, const StoreOptions& options) {
  if (url_or_path.empty()) throw std::runtime_error("no store given (a sqlite path or a postgresql:// URL)");
  if (is_postgres_url(url_or_path)) return std::make_unique<PostgresStore>(url_or_path, options.postgres_pool_size, options.history);
  return std::make_unique<SqliteStore>(url_or_path, options.history);
}

}  // namespace telltale::server
