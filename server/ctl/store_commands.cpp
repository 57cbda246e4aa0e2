#include "server/ctl/store_commands.h"

#include <chrono>

#include "server/collector/collector.h"
#include "server/store/sqlite_backup.h"

namespace telltale::ctl {
namespace {

bool refuse_postgres(LocalContext& ctx, const char* what) {
  if (ctx.store.empty()) return false;
  ctx.err << "telltale-ctl: " << what << " works on the sqlite store of --data-dir; for PostgreSQL use pg_dump / "
          << "pg_restore or a base backup with WAL archiving (docs/DEPLOYMENT.md, \"Backup and restore\")\n";
  return true;
}

void print(LocalContext& ctx, const std::string& action, const std::filesystem::path& file,
           const server::SqliteCopy& copy) {
  Table t{{"action", "file", "devices", "reports", "bytes", "schema_version"},
          {{action, file.string(), std::to_string(copy.devices), std::to_string(copy.reports),
            std::to_string(copy.bytes), std::to_string(copy.schema_version)}}};
  render(t, ctx.format, ctx.out);
}

}  // namespace

int store_backup(LocalContext& ctx, const std::string& to) {
  if (refuse_postgres(ctx, "backup")) return 2;
  const auto copy = server::backup_sqlite(server::database_file(ctx.data_dir), to);
  print(ctx, "backup", to, copy);
  return 0;
}

int store_restore(LocalContext& ctx, const std::string& from) {
  if (refuse_postgres(ctx, "restore")) return 2;
  const auto live = server::database_file(ctx.data_dir);
  const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  const std::filesystem::path replaced = live.string() + ".before-restore-" + std::to_string(stamp);
  const auto copy = server::restore_sqlite(from, live, replaced);
  print(ctx, "restore", from, copy);
  if (std::filesystem::exists(replaced))
    ctx.err << "telltale-ctl: the database it replaced is kept as " << replaced.string() << "\n";
  return 0;
}

}  // namespace telltale::ctl
