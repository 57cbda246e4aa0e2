#include "server/store/postgres_ingest.h"

#include <set>

#include "platform/common/log.h"
#include "server/store/state_at.h"
#include "telltale/v1/snapshot_delta.h"

namespace telltale::server {
namespace {

// Statements of the ingest path, prepared once per connection: each report
// is one round trip (the batch's commit is one more).
struct IngestStatement {
  const char* name;
  const char* sql;
};

// The devices of a batch, locked in sorted order before anything else: the
// ingest of one device is serialised across collectors (a delta's
// read-modify-write of the state needs that) and two batches cannot deadlock.
constexpr IngestStatement kLockDevices = {
    "telltale_lock_devices",
    "SELECT device_id FROM devices WHERE device_id = ANY($1::text[]) ORDER BY device_id FOR UPDATE"};

// A report, the state it makes (a full snapshot: referenced in place, as
// SqliteStore does with in_report=1) and the device's counters, in one
// statement. Nothing happens when (device, seq) is already stored; the state
// moves only forward ($7: the report is a full snapshot). reports is
// partitioned by month, so (device_id, seq) cannot be a unique key: the
// device's row, locked by kLockDevices for the whole batch, makes this
// look-then-insert safe across collectors.
constexpr IngestStatement kInsertReport = {
    "telltale_insert_report",
    "WITH ins AS ("
    "  INSERT INTO reports(device_id, seq, received_ms, created_ms, kind, payload)"
    "  SELECT $1::text, $2::bigint, $3::bigint, $4::bigint, $5::text, $6::bytea"
    "  WHERE NOT EXISTS (SELECT 1 FROM reports WHERE device_id=$1 AND seq=$2) RETURNING seq),"
    " st AS ("
    "  INSERT INTO device_state(device_id, seq, snapshot, updated_ms, in_report, full_ms)"
    "  SELECT $1, seq, ''::bytea, $3, 1, $3 FROM ins WHERE $7::boolean"
    "  ON CONFLICT (device_id) DO UPDATE SET seq=excluded.seq, snapshot=excluded.snapshot,"
    "  updated_ms=excluded.updated_ms, in_report=1, full_ms=excluded.full_ms WHERE device_state.seq < excluded.seq),"
    " dev AS ("
    "  UPDATE devices SET last_seen_ms=GREATEST(last_seen_ms, $3), last_seq=GREATEST(last_seq, $2),"
    "  reports=reports+1, last_peer=$8 WHERE device_id=$1 AND EXISTS (SELECT 1 FROM ins))"
    " SELECT COUNT(*) FROM ins"};

// What compacting a full snapshot needs to know, in one round trip: the
// state (as load_state reads it), when the last full snapshot was stored,
// and how many reports lie between the state and the new seq ($2).
constexpr IngestStatement kHistoryState = {
    "telltale_history_state",
    "SELECT s.seq, s.full_ms, s.in_report, s.snapshot, r.payload,"
    " (SELECT count(*) FROM reports g WHERE g.device_id=s.device_id AND g.seq>s.seq AND g.seq<$2)"
    " FROM device_state s LEFT JOIN reports r ON r.device_id=s.device_id AND r.seq=s.seq WHERE s.device_id=$1"};

constexpr IngestStatement kCompactedState = {
    "telltale_compacted_state",
    "UPDATE device_state SET seq=$2, snapshot=$3, updated_ms=$4, in_report=0 WHERE device_id=$1 AND seq<$2"};

constexpr IngestStatement kInsertEvent = {
    "telltale_insert_event",
    "INSERT INTO events(device_id, seq, idx, at_ms, payload) VALUES($1,$2,$3,$4,$5) "
    "ON CONFLICT (device_id, seq, idx) DO NOTHING"};

// A PostgreSQL array literal of text: every element quoted, so no device id
// can change its shape.
std::string text_array(const std::set<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char ch : item) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

template <typename... Args>
pqxx::result run(PgConnection& c, pqxx::work& tx, const IngestStatement& st, Args&&... args) {
  return c.run_prepared(tx, st.name, st.sql, std::forward<Args>(args)...);
}

// The state a device_state row describes (in_report, snapshot, the
// referenced report's payload).
std::optional<telltale::v1::Snapshot> state_from_row(const std::string& device_id, const pqxx::field& in_report,
                                                     const pqxx::field& snapshot, const pqxx::field& payload) {
  telltale::v1::Snapshot s;
  if (pg_int(in_report) == 0) {
    if (!s.ParseFromString(pg_bytes(snapshot))) throw std::runtime_error("stored state of " + device_id + " does not parse");
    return s;
  }
  telltale::v1::Report report;
  if (payload.is_null() || !report.ParseFromString(pg_bytes(payload)) || !report.has_snapshot())
    throw std::runtime_error("state of " + device_id + " names a report that is missing or not a snapshot");
  return std::move(*report.mutable_snapshot());
}

IngestResult ingest_one(PgConnection& c, pqxx::work& tx, const IncomingReport& in, const HistoryPolicy& history) {
  const auto& report = *in.report;
  std::string payload;
  if (!report.SerializeToString(&payload)) return {IngestOutcome::kRejected, "report does not serialise"};
  const auto seq = static_cast<int64_t>(report.seq());

  // Compact history, as SqliteStore::ingest_one does it: an unchanged
  // laptop's snapshot continuing the state in order becomes a delta.
  std::optional<std::string> compacted;
  std::optional<telltale::v1::Snapshot> state;
  if (history.compact && report.has_snapshot()) {
    auto r = run(c, tx, kHistoryState, in.device_id, seq);
    if (!r.empty() && pg_int(r[0][0]) < seq) {
      const int64_t state_seq = pg_int(r[0][0]);
      const bool contiguous = pg_int(r[0][5]) == seq - state_seq - 1;
      if (contiguous && (state = state_from_row(in.device_id, r[0][2], r[0][3], r[0][4])))
        compacted = compact_report(report, in.received_unix_ms,
                                   {static_cast<uint64_t>(state_seq), &*state, pg_int(r[0][1]), contiguous}, history);
    }
  }
  const pqxx::binarystring blob(compacted ? *compacted : payload);
  const std::string kind = compacted ? "delta" : stored_kind(report);
  auto inserted = run(c, tx, kInsertReport, in.device_id, seq, in.received_unix_ms, report.created_at_unix_ms(), kind,
                        blob, report.has_snapshot() && !compacted, in.peer);
  if (pg_int(inserted[0][0]) == 0) {
    // Same reasoning as SqliteStore::ingest_one: the same report is a
    // re-send, another one under the same (device, seq) a cloned identity,
    // kept apart.
    auto existing = tx.exec_params("SELECT payload FROM reports WHERE device_id=$1 AND seq=$2", in.device_id, seq);
    bool same = true;
    if (!existing.empty() && pg_bytes(existing[0][0]) != payload) {
      telltale::v1::Report stored;
      same = stored.ParseFromString(pg_bytes(existing[0][0])) && stored.has_delta() && report.has_snapshot() &&
             same_report(report, stored, snapshot_at(tx, in.device_id, report.seq()));
    }
    if (!same) {
      tx.exec_params("INSERT INTO report_conflicts(device_id, seq, received_ms, peer, payload) VALUES($1,$2,$3,$4,$5)",
                     in.device_id, seq, in.received_unix_ms, in.peer, pqxx::binarystring(payload));
      tx.exec_params("UPDATE devices SET conflicts=conflicts+1 WHERE device_id=$1", in.device_id);
      spdlog::warn("event=seq_conflict device={} seq={} peer={} note={}", in.device_id, report.seq(), log::q(in.peer),
                   log::q("same identity, different report: cloned agent state"));
      return {IngestOutcome::kConflict, "seq already used by another report of this device"};
    }
    return {IngestOutcome::kDuplicate, ""};
  }

  for (int i = 0; i < report.events_size(); ++i)
    run(c, tx, kInsertEvent, in.device_id, seq, int64_t{i}, report.events(i).at_unix_ms(),
          pqxx::binarystring(report.events(i).SerializeAsString()));

  if (compacted) {
    // The state is the received snapshot, which the stored delta rebuilds exactly.
    run(c, tx, kCompactedState, in.device_id, seq, pqxx::binarystring(report.snapshot().SerializeAsString()),
        in.received_unix_ms);
  } else if (report.has_delta()) {
    // The device row is locked (ingest), so no other collector moves the
    // state between this read and the write below.
    auto r = tx.exec_params("SELECT seq FROM device_state WHERE device_id=$1", in.device_id);
    if (r.empty()) return {IngestOutcome::kStored, ""};  // kept in reports; the next full snapshot sets the state
    if (static_cast<uint64_t>(pg_int(r[0][0])) >= report.seq()) return {IngestOutcome::kStored, ""};  // a late re-send
    std::string error;
    auto state = load_state(tx, in.device_id);
    if (!telltale::v1::apply_delta(*state, report.delta(), &error)) {
      spdlog::warn("event=delta_not_applied device={} seq={} reason={}", in.device_id, report.seq(), log::q(error));
    } else {
      tx.exec_params(
          "UPDATE device_state SET seq=$2, snapshot=$3, updated_ms=$4, in_report=0 WHERE device_id=$1",
          in.device_id, seq, pqxx::binarystring(state->SerializeAsString()), in.received_unix_ms);
    }
  }
  // events only: the state stays
  return {IngestOutcome::kStored, ""};
}

}  // namespace

std::vector<IngestResult> ingest_batch(PgConnection& c, pqxx::work& tx, std::span<const IncomingReport> batch,
                                       const HistoryPolicy& history) {
  std::set<std::string> ids;
  for (const auto& in : batch) ids.insert(in.device_id);
  run(c, tx, kLockDevices, text_array(ids));
  std::vector<IngestResult> results;
  results.reserve(batch.size());
  for (const auto& in : batch) results.push_back(ingest_one(c, tx, in, history));
  return results;
}

std::optional<telltale::v1::Snapshot> load_state(pqxx::work& tx, const std::string& device_id) {
  auto r = tx.exec_params(
      "SELECT s.in_report, s.snapshot, r.payload FROM device_state s "
      "LEFT JOIN reports r ON r.device_id=s.device_id AND r.seq=s.seq WHERE s.device_id=$1",
      device_id);
  if (r.empty()) return std::nullopt;
  return state_from_row(device_id, r[0][0], r[0][1], r[0][2]);
}

std::optional<telltale::v1::Snapshot> snapshot_at(pqxx::work& tx, const std::string& device_id, uint64_t seq) {
  // See SqliteStore::snapshot_at_locked: before schema 4 an events-only
  // report was stored with kind 'snapshot' too.
  int64_t upto = static_cast<int64_t>(seq);
  for (;;) {
    auto base = tx.exec_params(
        "SELECT seq, payload FROM reports WHERE device_id=$1 AND seq<=$2 AND kind='snapshot' ORDER BY seq DESC LIMIT 1",
        device_id, upto);
    if (base.empty()) return std::nullopt;
    const int64_t from = pg_int(base[0][0]);
    if (carries_full_snapshot(pg_bytes(base[0][1]))) {
      std::vector<std::pair<uint64_t, std::string>> payloads;
      for (const auto& row : tx.exec_params(
               "SELECT seq, payload FROM reports WHERE device_id=$1 AND seq>=$2 AND seq<=$3 ORDER BY seq", device_id,
               from, static_cast<int64_t>(seq)))
        payloads.emplace_back(static_cast<uint64_t>(pg_int(row[0])), pg_bytes(row[1]));
      return rebuild_state(device_id, payloads);
    }
    upto = from - 1;
  }
}

}  // namespace telltale::server
