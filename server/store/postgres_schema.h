#pragma once
// PostgreSQL schema migrations: entry i takes the schema from version i to
// i+1. Append only: a released migration never changes, so telltale_schema
// tells exactly which steps a database has had. The tables mirror the
// sqlite schema (sqlite_store.cpp) column for column so both stores answer
// the same queries the same way.
#include <vector>

namespace telltale::server {

const std::vector<const char*>& postgres_migrations();

}  // namespace telltale::server
