#pragma once
// LISTEN side of the revocation channel (private to the PostgreSQL store).
// It holds a connection of its own, outside the pool: a LISTEN lasts as long
// as its session, and a pooled connection would be lent to other work.
#include <memory>
#include <string>

#include "server/store/store.h"

namespace telltale::server {

// NOTIFY channel of the schema the store lives in: two Telltale deployments
// sharing a database in different schemas do not wake each other. PostgreSQL
// truncates identifiers to 63 bytes; so does this.
inline constexpr const char* kRevocationChannelPrefix = "telltale_revocations_";
std::string revocation_channel(const std::string& schema);

// Connects to `connect_url` and LISTENs on the revocation channel of the
// connection's current schema. Throws
// (pqxx's error) when the database cannot be reached.
std::unique_ptr<RevocationSignal> listen_for_revocations(const std::string& connect_url);

}  // namespace telltale::server
