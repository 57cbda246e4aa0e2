#include "server/store/sqlite_store.h"

#include <algorithm>
#include <map>

#include "platform/common/log.h"
#include "server/store/compact_history.h"
#include "server/store/id_list.h"
#include "server/store/state_at.h"
#include "telltale/v1/snapshot_delta.h"

namespace telltale::server {
namespace {

// Each entry takes the schema from version i to i+1. Append only: a released
// migration never changes, so a database tells exactly which steps it has had.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  max_uses INTEGER NOT NULL,
  uses INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  platform TEXT NOT NULL,
  agent_version TEXT NOT NULL,
  identity_hash TEXT NOT NULL,
  identity_json TEXT NOT NULL,
  serial TEXT NOT NULL,
  cert_fingerprint TEXT NOT NULL,
  token_id TEXT NOT NULL,
  enrolled_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL DEFAULT 0,
  last_seq INTEGER NOT NULL DEFAULT 0,
  reports INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0,
  previous_ids TEXT NOT NULL DEFAULT '',
  last_peer TEXT NOT NULL DEFAULT ''
);
CREATE INDEX devices_identity ON devices(identity_hash);
CREATE TABLE reports (
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  seq INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  payload BLOB NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
CREATE TABLE device_state (
  device_id TEXT PRIMARY KEY REFERENCES devices(device_id),
  seq INTEGER NOT NULL,
  snapshot BLOB NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE events (
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  seq INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  payload BLOB NOT NULL,
  PRIMARY KEY (device_id, seq, idx)
) WITHOUT ROWID;
)sql",
    R"sql(
CREATE TABLE verdicts (
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  evaluated_ms INTEGER NOT NULL,
  level TEXT NOT NULL,
  score REAL NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX verdicts_device ON verdicts(device_id, evaluated_ms);
CREATE TABLE latest_verdict (
  device_id TEXT PRIMARY KEY REFERENCES devices(device_id),
  evaluated_ms INTEGER NOT NULL,
  level TEXT NOT NULL,
  score REAL NOT NULL,
  json TEXT NOT NULL
);
CREATE TABLE clusters (
  cluster_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  members TEXT NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE TABLE assignments (
  device_key TEXT PRIMARY KEY,
  employee TEXT NOT NULL,
  email TEXT NOT NULL,
  timezone TEXT NOT NULL,
  region TEXT NOT NULL
);
)sql",
    R"sql(
CREATE TABLE report_conflicts (
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  seq INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  peer TEXT NOT NULL,
  payload BLOB NOT NULL
);
CREATE INDEX report_conflicts_device ON report_conflicts(device_id, seq);
ALTER TABLE devices ADD COLUMN conflicts INTEGER NOT NULL DEFAULT 0;
)sql",
    // in_report=1: the state is the full snapshot inside reports(device_id,
    // seq) and device_state.snapshot is empty. Writing every full snapshot
    // twice was half of the bytes (and WAL pages) of each ingest. Invariant:
    // nothing deletes the newest full snapshot (retention, prune(), cuts only
    // below a full snapshot older than its window), so the reference resolves.
    R"sql(
ALTER TABLE device_state ADD COLUMN in_report INTEGER NOT NULL DEFAULT 0;
)sql",
    // Fleet-wide jobs run under a lease (Store::try_acquire_lease). One
    // sqlite file has one collector, but the store contract is the same.
    R"sql(
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_ms INTEGER NOT NULL
);
)sql",
    // Fleet correlation's hardware history (Store::hardware_sightings). It
    // lived in the collector's memory, so a restart forgot which monitors had
    // stood on which desk for days and shared-serial clusters vanished for
    // shared_serial_min_span_hours.
    R"sql(
CREATE TABLE hardware_sightings (
  device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  serial TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  snapshots INTEGER NOT NULL,
  last_snapshot_id INTEGER NOT NULL,
  PRIMARY KEY (device_id, kind, serial, fingerprint)
) WITHOUT ROWID;
)sql",
    // Presence checks (Store::presence_checks; proto/telltale/v1/presence.proto).
    R"sql(
CREATE TABLE presence_checks (
  check_id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  action TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  answer_seconds INTEGER NOT NULL,
  requested_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  delivered_ms INTEGER NOT NULL DEFAULT 0,
  answered_ms INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  outcome TEXT NOT NULL DEFAULT '',
  device_class TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '',
  observation_json TEXT NOT NULL DEFAULT '',
  signed_result BLOB,
  signature_valid INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX presence_checks_device ON presence_checks(device_id, requested_ms);
CREATE INDEX presence_checks_status ON presence_checks(status, requested_ms);
)sql",
    // Compact history (issue 19, server/store/compact_history.h): full_ms is
    // when the newest full snapshot was stored, so an unchanged laptop's
    // reports become deltas until a day has passed. 0 (every existing
    // device): the next report is stored full. Existing rows stay as they are
    // (full snapshots and agent deltas both rebuild as before).
    R"sql(
ALTER TABLE device_state ADD COLUMN full_ms INTEGER NOT NULL DEFAULT 0;
)sql",
    // Suppressions (Store::add_suppression): an allow-listed indicator per
    // device ('' = fleet-wide) with a reason and an expiry. Rows are never
    // deleted; lifting one records who and when.
    R"sql(
CREATE TABLE suppressions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL,
  indicator_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  lifted_ms INTEGER NOT NULL DEFAULT 0,
  lifted_by TEXT NOT NULL DEFAULT ''
);
)sql",
};
constexpr int kMigrationCount = sizeof(kMigrations) / sizeof(kMigrations[0]);
static_assert(kMigrationCount == SqliteStore::kSchemaVersion);


const char* kDeviceColumns =
    "device_id, hostname, platform, agent_version, identity_hash, identity_json, serial, cert_fingerprint, "
    "token_id, enrolled_ms, last_seen_ms, last_seq, reports, revoked, previous_ids, last_peer, conflicts";

DeviceRecord device_from_row(const sqlite::Statement& st) {
  DeviceRecord d;
  d.device_id = st.text(0);
  d.hostname = st.text(1);
  d.platform = st.text(2);
  d.agent_version = st.text(3);
  d.identity_hash = st.text(4);
  d.identity_json = st.text(5);
  d.serial = st.text(6);
  d.certificate_fingerprint = st.text(7);
  d.token_id = st.text(8);
  d.enrolled_unix_ms = st.int64(9);
  d.last_seen_unix_ms = st.int64(10);
  d.last_seq = static_cast<uint64_t>(st.int64(11));
  d.reports = static_cast<uint64_t>(st.int64(12));
  d.revoked = st.int64(13) != 0;
  d.previous_device_ids = split_ids(st.text(14));
  d.last_peer = st.text(15);
  d.conflicting_reports = static_cast<uint64_t>(st.int64(16));
  return d;
}

}  // namespace

const char* to_string(EnrollStatus s) {
  switch (s) {
    case EnrollStatus::kOk: return "ok";
    case EnrollStatus::kUnknownToken: return "unknown token";
    case EnrollStatus::kExpired: return "token expired";
    case EnrollStatus::kExhausted: return "token has no uses left";
    case EnrollStatus::kRevokedToken: return "token revoked";
  }
  return "?";
}

SqliteStore::SqliteStore(const std::filesystem::path& path, const HistoryPolicy& history)
    : history_(history), db_(path) {
  migrate();
}

void SqliteStore::migrate() {
  std::lock_guard lock(mu_);
  int version = 0;
  {
    auto st = db_.prepare("PRAGMA user_version");
    st.step();
    version = static_cast<int>(st.int64(0));
  }  // finalized: VACUUM below refuses to run beside an open statement
  if (version > kSchemaVersion)
    throw std::runtime_error(db_.path().string() + ": schema version " + std::to_string(version) +
                             " is newer than this collector understands (" + std::to_string(kSchemaVersion) +
                             "); upgrade telltale-collector");
  // A new database returns the pages retention frees (prune() runs
  // incremental_vacuum); it must be chosen before the first table exists.
  // An older file keeps auto_vacuum=NONE until an operator VACUUMs it once
  // (docs/DEPLOYMENT.md, "Retention"): freed pages are then reused, not returned.
  // Opening in WAL mode already wrote the file header, so the setting takes
  // effect through a VACUUM (instant on the still empty file).
  if (version == 0) db_.exec("PRAGMA auto_vacuum=INCREMENTAL; VACUUM");
  for (int v = version; v < kSchemaVersion; ++v) {
    sqlite::Transaction tx(db_);
    db_.exec(kMigrations[v]);
    db_.exec("PRAGMA user_version=" + std::to_string(v + 1));
    tx.commit();
    spdlog::info("event=schema_migrated db={} version={}", log::q(db_.path().string()), v + 1);
  }
}

void SqliteStore::add_token(const TokenRecord& t) {
  std::lock_guard lock(mu_);
  db_.prepare("INSERT INTO tokens(id, secret_hash, created_ms, expires_ms, max_uses, uses, revoked, note) "
              "VALUES(?,?,?,?,?,?,?,?)")
      .bind(1, t.id).bind(2, t.secret_hash).bind(3, t.created_unix_ms).bind(4, t.expires_unix_ms)
      .bind(5, t.max_uses).bind(6, t.uses).bind(7, int64_t{t.revoked}).bind(8, t.note)
      .run();
}

std::vector<TokenRecord> SqliteStore::tokens() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "SELECT id, secret_hash, created_ms, expires_ms, max_uses, uses, revoked, note FROM tokens ORDER BY created_ms");
  std::vector<TokenRecord> out;
  while (st.step()) {
    TokenRecord t;
    t.id = st.text(0);
    t.secret_hash = st.text(1);
    t.created_unix_ms = st.int64(2);
    t.expires_unix_ms = st.int64(3);
    t.max_uses = st.int64(4);
    t.uses = st.int64(5);
    t.revoked = st.int64(6) != 0;
    t.note = st.text(7);
    out.push_back(std::move(t));
  }
  return out;
}

bool SqliteStore::revoke_token(const std::string& id) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE tokens SET revoked=1 WHERE id=?").bind(1, id).run();
  return db_.changes() > 0;
}

EnrollResult SqliteStore::enroll(const std::string& secret_hash, int64_t now_ms, const DeviceRecord& d) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(db_);
  EnrollResult result;
  {
    auto st = db_.prepare("SELECT expires_ms, max_uses, uses, revoked FROM tokens WHERE secret_hash=?");
    st.bind(1, secret_hash);
    if (!st.step()) return result;  // kUnknownToken, rolled back
    if (st.int64(3) != 0) return {EnrollStatus::kRevokedToken, {}};
    if (st.int64(0) <= now_ms) return {EnrollStatus::kExpired, {}};
    if (st.int64(2) >= st.int64(1)) return {EnrollStatus::kExhausted, {}};
  }
  db_.prepare("UPDATE tokens SET uses = uses + 1 WHERE secret_hash=?").bind(1, secret_hash).run();
  {
    auto st = db_.prepare("SELECT device_id FROM devices WHERE identity_hash=? ORDER BY enrolled_ms");
    st.bind(1, d.identity_hash);
    while (st.step()) result.previous_device_ids.push_back(st.text(0));
  }
  db_.prepare(std::string("INSERT INTO devices(") + kDeviceColumns + ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)")
      .bind(1, d.device_id).bind(2, d.hostname).bind(3, d.platform).bind(4, d.agent_version)
      .bind(5, d.identity_hash).bind(6, d.identity_json).bind(7, d.serial).bind(8, d.certificate_fingerprint)
      .bind(9, d.token_id).bind(10, d.enrolled_unix_ms).bind(11, int64_t{0}).bind(12, int64_t{0})
      .bind(13, int64_t{0}).bind(14, int64_t{0}).bind(15, join_ids(result.previous_device_ids)).bind(16, d.last_peer)
      .run();
  tx.commit();
  result.status = EnrollStatus::kOk;
  return result;
}

std::optional<DeviceRecord> SqliteStore::device(const std::string& id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE device_id=?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return device_from_row(st);
}

std::vector<DeviceRecord> SqliteStore::devices() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kDeviceColumns + " FROM devices ORDER BY enrolled_ms, device_id");
  std::vector<DeviceRecord> out;
  while (st.step()) out.push_back(device_from_row(st));
  return out;
}

bool SqliteStore::revoke_device(const std::string& id) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(db_);
  db_.prepare("UPDATE devices SET revoked=1 WHERE device_id=?").bind(1, id).run();
  const bool found = db_.changes() > 0;
  // A revoked device leaves the fleet: its hardware must not keep
  // corroborating (or owning) a serial for anyone.
  db_.prepare("DELETE FROM hardware_sightings WHERE device_id=?").bind(1, id).run();
  tx.commit();
  return found;
}

std::vector<std::string> SqliteStore::revoked_device_ids() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT device_id FROM devices WHERE revoked=1");
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

IngestResult SqliteStore::ingest_one(const IncomingReport& in) {
  const auto& report = *in.report;
  const auto seq = static_cast<int64_t>(report.seq());
  std::string payload;
  if (!report.SerializeToString(&payload)) return {IngestOutcome::kRejected, "report does not serialise"};

  // device_state holds the materialised newest snapshot. Reports can arrive
  // out of order only across reconnects (a re-send of an older seq): those
  // are kept in `reports` but never move the state backwards.
  std::optional<uint64_t> state_seq;
  int64_t full_ms = 0;
  {
    auto st = db_.reuse("SELECT seq, full_ms FROM device_state WHERE device_id=?");
    st->bind(1, in.device_id);
    if (st->step()) {
      state_seq = static_cast<uint64_t>(st->int64(0));
      full_ms = st->int64(1);
    }
  }
  const bool advances = !state_seq || report.seq() > *state_seq;

  // Compact history: an unchanged laptop's snapshot is stored as a delta
  // against the state (compact_history.h). Only when every seq between the
  // state and this report is here, so the delta's base is what rebuilding
  // this report will start from.
  std::optional<std::string> compacted;
  std::optional<telltale::v1::Snapshot> state;
  if (history_.compact && report.has_snapshot() && state_seq && advances) {
    auto st = db_.reuse("SELECT count(*) FROM reports WHERE device_id=? AND seq>? AND seq<?");
    st->bind(1, in.device_id).bind(2, static_cast<int64_t>(*state_seq)).bind(3, seq);
    st->step();
    const bool contiguous = st->int64(0) == seq - static_cast<int64_t>(*state_seq) - 1;
    if (contiguous && (state = load_state(in.device_id)))
      compacted = compact_report(report, in.received_unix_ms, {*state_seq, &*state, full_ms, contiguous}, history_);
  }
  const std::string& stored = compacted ? *compacted : payload;
  const char* kind = compacted ? "delta" : stored_kind(report);

  db_.reuse("INSERT OR IGNORE INTO reports(device_id, seq, received_ms, created_ms, kind, payload) VALUES(?,?,?,?,?,?)")
      ->bind(1, in.device_id).bind(2, seq).bind(3, in.received_unix_ms)
      .bind(4, report.created_at_unix_ms()).bind(5, kind).bind_blob(6, stored)
      .run();
  if (db_.changes() == 0) {
    // A genuine re-send carries the same report (the agent re-sends what its
    // spool holds; a compacted one is compared with its rebuilt snapshot).
    // A different report under the same (device, seq) means two agents
    // present one identity — a cloned state dir. Both are kept and the
    // device is flagged; nothing is merged into the first one's history.
    auto st = db_.prepare("SELECT payload FROM reports WHERE device_id=? AND seq=?");
    st.bind(1, in.device_id).bind(2, seq);
    bool same = true;
    if (st.step() && st.blob(0) != payload) {
      telltale::v1::Report existing;
      same = existing.ParseFromString(st.blob(0)) && existing.has_delta() && report.has_snapshot() &&
             same_report(report, existing, snapshot_at_locked(in.device_id, report.seq()));
    }
    if (!same) {
      db_.prepare("INSERT INTO report_conflicts(device_id, seq, received_ms, peer, payload) VALUES(?,?,?,?,?)")
          .bind(1, in.device_id).bind(2, seq).bind(3, in.received_unix_ms)
          .bind(4, in.peer).bind_blob(5, payload)
          .run();
      db_.prepare("UPDATE devices SET conflicts=conflicts+1 WHERE device_id=?").bind(1, in.device_id).run();
      spdlog::warn("event=seq_conflict device={} seq={} peer={} note={}", in.device_id, report.seq(), log::q(in.peer),
                   log::q("same identity, different report: cloned agent state"));
      return {IngestOutcome::kConflict, "seq already used by another report of this device"};
    }
    return {IngestOutcome::kDuplicate, ""};
  }

  for (int i = 0; i < report.events_size(); ++i) {
    db_.reuse("INSERT OR IGNORE INTO events(device_id, seq, idx, at_ms, payload) VALUES(?,?,?,?,?)")
        ->bind(1, in.device_id).bind(2, seq).bind(3, int64_t{i})
        .bind(4, report.events(i).at_unix_ms()).bind_blob(5, report.events(i).SerializeAsString())
        .run();
  }

  if (advances) {
    if (report.has_snapshot() && !compacted) {
      // A full snapshot is the new state as is, referenced where it already lies.
      db_.reuse("INSERT INTO device_state(device_id, seq, snapshot, updated_ms, in_report, full_ms) "
                "VALUES(?,?,x'',?,1,?) "
                "ON CONFLICT(device_id) DO UPDATE SET seq=excluded.seq, snapshot=x'', "
                "updated_ms=excluded.updated_ms, in_report=1, full_ms=excluded.full_ms")
          ->bind(1, in.device_id).bind(2, seq).bind(3, in.received_unix_ms).bind(4, in.received_unix_ms)
          .run();
    } else if (report.has_snapshot() || report.has_delta()) {
      std::string error;
      if (!compacted) state = load_state(in.device_id);
      if (compacted) {
        state = report.snapshot();  // what the stored delta rebuilds, exactly
      } else if (!state) {
        // kept in reports; the next full snapshot sets the state
      } else if (!telltale::v1::apply_delta(*state, report.delta(), &error)) {
        spdlog::warn("event=delta_not_applied device={} seq={} reason={}", in.device_id, report.seq(), log::q(error));
        state.reset();
      }
      if (state) {
        db_.reuse("INSERT INTO device_state(device_id, seq, snapshot, updated_ms, in_report) VALUES(?,?,?,?,0) "
                  "ON CONFLICT(device_id) DO UPDATE SET seq=excluded.seq, snapshot=excluded.snapshot, "
                  "updated_ms=excluded.updated_ms, in_report=0")
            ->bind(1, in.device_id).bind(2, seq).bind_blob(3, state->SerializeAsString())
            .bind(4, in.received_unix_ms)
            .run();
      }
    }
    // events only: the state stays
  }
  db_.reuse("UPDATE devices SET last_seen_ms=MAX(last_seen_ms, ?), last_seq=MAX(last_seq, ?), "
              "reports=reports+1, last_peer=? WHERE device_id=?")
      ->bind(1, in.received_unix_ms).bind(2, seq).bind(3, in.peer).bind(4, in.device_id)
      .run();
  return {IngestOutcome::kStored, ""};
}

std::vector<IngestResult> SqliteStore::ingest(std::span<const IncomingReport> batch) {
  std::lock_guard lock(mu_);
  std::vector<IngestResult> results;
  results.reserve(batch.size());
  try {
    sqlite::Transaction tx(db_);
    for (const auto& in : batch) results.push_back(ingest_one(in));
    tx.commit();
  } catch (const sqlite::SqliteError& e) {
    // Nothing of the batch is stored; the agents keep their spools and re-send.
    throw StoreUnavailable(e.what(), e.disk_full() ? StoreUnavailable::Cause::kExhausted
                                                   : StoreUnavailable::Cause::kUnreachable);
  }
  return results;
}

std::optional<telltale::v1::Snapshot> SqliteStore::latest_snapshot(const std::string& device_id) {
  std::lock_guard lock(mu_);
  return load_state(device_id);
}

std::optional<telltale::v1::Snapshot> SqliteStore::load_state(const std::string& device_id) {
  auto st = db_.reuse(
      "SELECT s.in_report, s.snapshot, r.payload FROM device_state s "
      "LEFT JOIN reports r ON r.device_id=s.device_id AND r.seq=s.seq WHERE s.device_id=?");
  st->bind(1, device_id);
  if (!st->step()) return std::nullopt;
  telltale::v1::Snapshot s;
  if (st->int64(0) == 0) {
    if (!s.ParseFromString(st->blob(1))) throw std::runtime_error("stored state of " + device_id + " does not parse");
    return s;
  }
  telltale::v1::Report report;
  if (st->is_null(2) || !report.ParseFromString(st->blob(2)) || !report.has_snapshot())
    throw std::runtime_error("state of " + device_id + " names a report that is missing or not a snapshot");
  return std::move(*report.mutable_snapshot());
}

std::optional<telltale::v1::Snapshot> SqliteStore::snapshot_at(const std::string& device_id, uint64_t seq) {
  std::lock_guard lock(mu_);
  return snapshot_at_locked(device_id, seq);
}

std::optional<telltale::v1::Snapshot> SqliteStore::snapshot_at_locked(const std::string& device_id, uint64_t seq) {
  // The newest report at or before seq that carries a full snapshot. Before
  // schema 7 an events-only report was stored with kind 'snapshot' too, so a
  // candidate that carries none sends the search further back.
  int64_t upto = static_cast<int64_t>(seq);
  for (;;) {
    auto st = db_.prepare(
        "SELECT seq, payload FROM reports WHERE device_id=? AND seq<=? AND kind='snapshot' ORDER BY seq DESC LIMIT 1");
    st.bind(1, device_id).bind(2, upto);
    if (!st.step()) return std::nullopt;
    const int64_t base = st.int64(0);
    if (carries_full_snapshot(st.blob(1))) {
      std::vector<std::pair<uint64_t, std::string>> payloads;
      auto range = db_.prepare("SELECT seq, payload FROM reports WHERE device_id=? AND seq>=? AND seq<=? ORDER BY seq");
      range.bind(1, device_id).bind(2, base).bind(3, static_cast<int64_t>(seq));
      while (range.step()) payloads.emplace_back(static_cast<uint64_t>(range.int64(0)), range.blob(1));
      return rebuild_state(device_id, payloads);
    }
    upto = base - 1;
  }
}

std::vector<ReportSummary> SqliteStore::reports(const std::string& device_id, size_t limit) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "SELECT seq, received_ms, created_ms, kind, length(payload) FROM reports WHERE device_id=? "
      "ORDER BY seq DESC LIMIT ?");
  st.bind(1, device_id).bind(2, static_cast<int64_t>(limit));
  std::vector<ReportSummary> out;
  while (st.step())
    out.push_back({static_cast<uint64_t>(st.int64(0)), st.int64(1), st.int64(2), st.text(3),
                   static_cast<size_t>(st.int64(4))});
  return out;
}

std::vector<StoredEvent> SqliteStore::events(const std::string& device_id, size_t limit) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT seq, payload FROM events WHERE device_id=? ORDER BY at_ms DESC, seq DESC LIMIT ?");
  st.bind(1, device_id).bind(2, static_cast<int64_t>(limit));
  std::vector<StoredEvent> out;
  while (st.step()) {
    StoredEvent e;
    e.seq = static_cast<uint64_t>(st.int64(0));
    e.event.ParseFromString(st.blob(1));
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<RttPoint> SqliteStore::rtt_history(const std::string& device_id, int64_t since_ms, size_t limit) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "SELECT received_ms, payload FROM reports WHERE device_id=? AND received_ms>=? ORDER BY seq DESC LIMIT ?");
  st.bind(1, device_id).bind(2, since_ms).bind(3, static_cast<int64_t>(limit));
  std::vector<RttPoint> out;
  telltale::v1::Report report;
  while (st.step()) {
    if (!report.ParseFromString(st.blob(1))) continue;  // stored by us, so only a damaged page gets here
    // A delta carries latency only when it changed; absent means "as before", not "no samples".
    const telltale::v1::Snapshot* snap = report.has_snapshot() ? &report.snapshot()
                                         : report.has_delta() ? &report.delta().changed()
                                                              : nullptr;
    if (snap == nullptr || !snap->has_latency() || snap->latency().collector().samples() == 0) continue;
    const auto& rtt = snap->latency().collector();
    out.push_back({st.int64(0), rtt.samples(), rtt.median_us(), rtt.p95_us()});
  }
  std::reverse(out.begin(), out.end());
  return out;
}

uint64_t SqliteStore::size_bytes() {
  std::lock_guard lock(mu_);
  std::error_code ec;
  uint64_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const auto size = std::filesystem::file_size(db_.path().string() + suffix, ec);
    if (!ec) total += size;
  }
  return total;
}

void SqliteStore::save_verdict(const StoredVerdict& v) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(db_);
  for (const char* table : {"verdicts", "latest_verdict"}) {
    std::string verb = std::string(table) == "verdicts" ? "INSERT" : "INSERT OR REPLACE";
    db_.prepare(verb + " INTO " + table + "(device_id, evaluated_ms, level, score, json) VALUES(?,?,?,?,?)")
        .bind(1, v.device_id).bind(2, v.evaluated_unix_ms).bind(3, v.level).bind_real(4, v.score).bind(5, v.json)
        .run();
  }
  tx.commit();
}

namespace {
StoredVerdict verdict_from_row(const sqlite::Statement& st) {
  return {st.text(0), st.int64(1), st.text(2), st.real(3), st.text(4)};
}
}  // namespace

std::vector<StoredVerdict> SqliteStore::latest_verdicts() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT device_id, evaluated_ms, level, score, json FROM latest_verdict ORDER BY device_id");
  std::vector<StoredVerdict> out;
  while (st.step()) out.push_back(verdict_from_row(st));
  return out;
}

std::vector<StoredVerdict> SqliteStore::verdict_history(const std::string& device_id, size_t limit) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "SELECT device_id, evaluated_ms, level, score, json FROM verdicts WHERE device_id=? "
      "ORDER BY evaluated_ms DESC LIMIT ?");
  st.bind(1, device_id).bind(2, static_cast<int64_t>(limit));
  std::vector<StoredVerdict> out;
  while (st.step()) out.push_back(verdict_from_row(st));
  return out;
}

void SqliteStore::replace_clusters(const std::vector<StoredCluster>& clusters) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(db_);
  std::map<std::string, int64_t> first_seen;
  {
    auto st = db_.prepare("SELECT cluster_id, first_seen_ms FROM clusters");
    while (st.step()) first_seen[st.text(0)] = st.int64(1);
  }
  db_.exec("DELETE FROM clusters");
  for (const auto& c : clusters) {
    auto it = first_seen.find(c.cluster_id);
    int64_t first = it != first_seen.end() ? std::min(it->second, c.first_seen_unix_ms) : c.first_seen_unix_ms;
    db_.prepare("INSERT INTO clusters(cluster_id, kind, key, members, first_seen_ms, last_seen_ms, json) "
                "VALUES(?,?,?,?,?,?,?)")
        .bind(1, c.cluster_id).bind(2, c.kind).bind(3, c.key).bind(4, join_ids(c.members)).bind(5, first)
        .bind(6, c.last_seen_unix_ms).bind(7, c.json)
        .run();
  }
  tx.commit();
}

std::vector<StoredCluster> SqliteStore::clusters() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "SELECT cluster_id, kind, key, members, first_seen_ms, last_seen_ms, json FROM clusters ORDER BY cluster_id");
  std::vector<StoredCluster> out;
  while (st.step())
    out.push_back({st.text(0), st.text(1), st.text(2), split_ids(st.text(3)), st.int64(4), st.int64(5), st.text(6)});
  return out;
}

std::vector<HardwareSightingRecord> SqliteStore::hardware_sightings(const std::string& device_id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "SELECT kind, serial, fingerprint, first_seen_ms, last_seen_ms, snapshots, last_snapshot_id "
      "FROM hardware_sightings WHERE device_id=? ORDER BY last_seen_ms DESC, kind, serial, fingerprint");
  st.bind(1, device_id);
  std::vector<HardwareSightingRecord> out;
  while (st.step())
    out.push_back({st.text(0), st.text(1), st.text(2), st.int64(3), st.int64(4), st.int64(5), st.int64(6)});
  return out;
}

void SqliteStore::record_hardware_sightings(const std::string& device_id,
                                            const std::vector<HardwareSightingRecord>& sightings) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(db_);
  {
    auto st = db_.prepare("SELECT 1 FROM devices WHERE device_id=? AND revoked=0");
    st.bind(1, device_id);
    if (!st.step()) return;  // unknown or revoked: rolled back, nothing written
  }
  db_.prepare("DELETE FROM hardware_sightings WHERE device_id=?").bind(1, device_id).run();
  for (const auto& s : sightings)
    db_.prepare("INSERT INTO hardware_sightings(device_id, kind, serial, fingerprint, first_seen_ms, last_seen_ms, "
                "snapshots, last_snapshot_id) VALUES(?,?,?,?,?,?,?,?) "
                "ON CONFLICT(device_id, kind, serial, fingerprint) DO UPDATE SET "
                "first_seen_ms=MIN(first_seen_ms, excluded.first_seen_ms), "
                "last_seen_ms=MAX(last_seen_ms, excluded.last_seen_ms), "
                "snapshots=MAX(snapshots, excluded.snapshots), last_snapshot_id=excluded.last_snapshot_id")
        .bind(1, device_id).bind(2, s.kind).bind(3, s.serial).bind(4, s.fingerprint).bind(5, s.first_seen_unix_ms)
        .bind(6, s.last_seen_unix_ms).bind(7, s.snapshots).bind(8, s.last_snapshot_id)
        .run();
  db_.prepare("DELETE FROM hardware_sightings WHERE device_id=?1 AND (kind, serial, fingerprint) NOT IN ("
              "SELECT kind, serial, fingerprint FROM hardware_sightings WHERE device_id=?1 "
              "ORDER BY last_seen_ms DESC, kind, serial, fingerprint LIMIT ?2)")
      .bind(1, device_id).bind(2, static_cast<int64_t>(kHardwareSightingsPerDevice))
      .run();
  tx.commit();
}

void SqliteStore::replace_assignments(const std::vector<Assignment>& assignments) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(db_);
  db_.exec("DELETE FROM assignments");
  for (const auto& a : assignments)
    db_.prepare("INSERT OR REPLACE INTO assignments(device_key, employee, email, timezone, region) VALUES(?,?,?,?,?)")
        .bind(1, a.device_key).bind(2, a.employee).bind(3, a.email).bind(4, a.timezone).bind(5, a.region)
        .run();
  tx.commit();
}

std::vector<Assignment> SqliteStore::assignments() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT device_key, employee, email, timezone, region FROM assignments ORDER BY device_key");
  std::vector<Assignment> out;
  while (st.step()) out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4)});
  return out;
}

bool SqliteStore::try_acquire_lease(const std::string& name, const std::string& holder, int64_t ttl_ms,
                                    int64_t now_ms) {
  std::lock_guard lock(mu_);
  // The upsert only overwrites a lease that is ours or has run out; changes()
  // tells whether it did.
  db_.prepare("INSERT INTO leases(name, holder, expires_ms) VALUES(?,?,?) "
              "ON CONFLICT(name) DO UPDATE SET holder=excluded.holder, expires_ms=excluded.expires_ms "
              "WHERE leases.holder=excluded.holder OR leases.expires_ms<=?")
      .bind(1, name).bind(2, holder).bind(3, now_ms + ttl_ms).bind(4, now_ms)
      .run();
  return db_.changes() > 0;
}

void SqliteStore::release_lease(const std::string& name, const std::string& holder) {
  std::lock_guard lock(mu_);
  db_.prepare("DELETE FROM leases WHERE name=? AND holder=?").bind(1, name).bind(2, holder).run();
}

PruneResult SqliteStore::prune(const RetentionPolicy& policy, int64_t now_ms, size_t max_rows) {
  PruneResult out;
  const auto limit = static_cast<int64_t>(max_rows);
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    auto st = db_.prepare("SELECT device_id FROM devices ORDER BY device_id");
    while (st.step()) ids.push_back(st.text(0));
  }
  auto counted = [&](uint64_t& field) {
    const auto n = db_.changes();
    field += static_cast<uint64_t>(n);
    if (n >= limit) out.more = true;
  };
  for (const auto& id : ids) {
    // One device per transaction: ingest waits at most for one of these.
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    if (policy.history_ms > 0) {
      // The newest full snapshot received before the window: the reports
      // below it rebuild nothing that is kept. (A pre-schema-7 events-only
      // row also says 'snapshot'; it is stepped over.)
      int64_t upto = INT64_MAX, keep_from = 0;
      for (;;) {
        auto st = db_.prepare(
            "SELECT seq, payload FROM reports WHERE device_id=? AND kind='snapshot' AND received_ms<? AND seq<=? "
            "ORDER BY seq DESC LIMIT 1");
        st.bind(1, id).bind(2, now_ms - policy.history_ms).bind(3, upto);
        if (!st.step()) break;
        if (carries_full_snapshot(st.blob(1))) {
          keep_from = st.int64(0);
          break;
        }
        upto = st.int64(0) - 1;
      }
      if (keep_from > 0) {
        db_.prepare("DELETE FROM reports WHERE device_id=?1 AND seq IN "
                    "(SELECT seq FROM reports WHERE device_id=?1 AND seq<?2 ORDER BY seq LIMIT ?3)")
            .bind(1, id).bind(2, keep_from).bind(3, limit)
            .run();
        counted(out.reports);
      }
    }
    if (policy.events_ms > 0) {
      db_.prepare("DELETE FROM events WHERE (device_id, seq, idx) IN "
                  "(SELECT device_id, seq, idx FROM events WHERE device_id=? AND at_ms<? LIMIT ?)")
          .bind(1, id).bind(2, now_ms - policy.events_ms).bind(3, limit)
          .run();
      counted(out.events);
    }
    if (policy.verdicts_ms > 0) {
      // latest_verdict is another table: a device's current verdict stays.
      db_.prepare("DELETE FROM verdicts WHERE rowid IN "
                  "(SELECT rowid FROM verdicts WHERE device_id=? AND evaluated_ms<? ORDER BY evaluated_ms LIMIT ?)")
          .bind(1, id).bind(2, now_ms - policy.verdicts_ms).bind(3, limit)
          .run();
      counted(out.verdicts);
    }
    if (policy.conflicts_ms > 0) {
      db_.prepare("DELETE FROM report_conflicts WHERE rowid IN "
                  "(SELECT rowid FROM report_conflicts WHERE device_id=? AND received_ms<? LIMIT ?)")
          .bind(1, id).bind(2, now_ms - policy.conflicts_ms).bind(3, limit)
          .run();
      counted(out.conflicts);
    }
    tx.commit();
  }
  if (out.total() > 0) {
    // Returns up to 2,048 freed pages (8 MiB) per pass to the file system;
    // a no-op on a file created before auto_vacuum was set.
    std::lock_guard lock(mu_);
    db_.exec("PRAGMA incremental_vacuum(2048)");
  }
  return out;
}

OldestRows SqliteStore::oldest_rows() {
  std::lock_guard lock(mu_);
  // One index seek per device (each table's key starts with device_id), so
  // a /metrics scrape never scans a table.
  auto one = [&](const char* sql) {
    auto st = db_.prepare(sql);
    return st.step() && !st.is_null(0) ? st.int64(0) : int64_t{0};
  };
  OldestRows o;
  o.reports_ms = one("SELECT min((SELECT received_ms FROM reports r WHERE r.device_id=d.device_id ORDER BY seq LIMIT 1)) "
                     "FROM devices d");
  o.events_ms = one("SELECT min((SELECT at_ms FROM events e WHERE e.device_id=d.device_id ORDER BY seq LIMIT 1)) "
                    "FROM devices d");
  o.verdicts_ms = one("SELECT min((SELECT evaluated_ms FROM verdicts v WHERE v.device_id=d.device_id "
                      "ORDER BY evaluated_ms LIMIT 1)) FROM devices d");
  o.conflicts_ms = one("SELECT min((SELECT received_ms FROM report_conflicts c WHERE c.device_id=d.device_id "
                       "ORDER BY seq LIMIT 1)) FROM devices d");
  return o;
}

int64_t SqliteStore::add_suppression(const Suppression& s) {
  std::lock_guard lock(mu_);
  db_.prepare("INSERT INTO suppressions(device_id, indicator_id, reason, created_by, created_ms, expires_ms) "
              "VALUES(?,?,?,?,?,?)")
      .bind(1, s.device_id).bind(2, s.indicator_id).bind(3, s.reason).bind(4, s.created_by)
      .bind(5, s.created_unix_ms).bind(6, s.expires_unix_ms)
      .run();
  return sqlite3_last_insert_rowid(db_.handle());
}

std::vector<Suppression> SqliteStore::suppressions() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT id, device_id, indicator_id, reason, created_by, created_ms, expires_ms, lifted_ms, "
                        "lifted_by FROM suppressions ORDER BY id DESC");
  std::vector<Suppression> out;
  while (st.step())
    out.push_back({st.int64(0), st.text(1), st.text(2), st.text(3), st.text(4), st.int64(5), st.int64(6), st.int64(7),
                   st.text(8)});
  return out;
}

bool SqliteStore::lift_suppression(int64_t id, const std::string& by, int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE suppressions SET lifted_ms = ?, lifted_by = ? WHERE id = ? AND lifted_ms = 0")
      .bind(1, now_ms).bind(2, by).bind(3, id)
      .run();
  return db_.changes() > 0;
}

}  // namespace telltale::server
