#pragma once
// PostgresStore's ingest path: what one batch does inside its transaction.
// Same semantics as SqliteStore::ingest_one (duplicates, conflicts kept
// apart, the state only moving forward), made safe for several collectors
// writing at once by locking the batch's devices first.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/store/compact_history.h"
#include "server/store/postgres_connection.h"
#include "server/store/store.h"

namespace telltale::server {

// Locks the batch's devices (sorted, so two collectors cannot deadlock) and
// stores every report; the caller commits.
std::vector<IngestResult> ingest_batch(PgConnection& c, pqxx::work& tx, std::span<const IncomingReport> batch,
                                       const HistoryPolicy& history);

// The device's state (see SqliteStore::load_state: in_report=1 means the
// state is the full snapshot of reports(device, seq)).
std::optional<telltale::v1::Snapshot> load_state(pqxx::work& tx, const std::string& device_id);

// Store::snapshot_at inside a transaction (ingest compares a re-sent report
// with the snapshot its stored delta rebuilds).
std::optional<telltale::v1::Snapshot> snapshot_at(pqxx::work& tx, const std::string& device_id, uint64_t seq);

}  // namespace telltale::server
