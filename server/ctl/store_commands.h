#pragma once
// telltale-ctl backup / restore of the collector's sqlite store. PostgreSQL
// has its own tools for this (pg_dump, base backups with WAL archiving):
// with --store postgresql:// both commands say so instead of half-doing it.
#include <string>

#include "server/ctl/local_commands.h"

namespace telltale::ctl {

// Online: the collector keeps running and ingesting.
int store_backup(LocalContext& ctx, const std::string& to);
// Offline: refused while the collector has the database open.
int store_restore(LocalContext& ctx, const std::string& from);

}  // namespace telltale::ctl
