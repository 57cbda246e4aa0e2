#include "server/store/postgres_schema.h"

namespace telltale::server {

const std::vector<const char*>& postgres_migrations() {
  static const std::vector<const char*> migrations = {
      // Version 1 is sqlite's version 5 in one step (PostgreSQL support came
      // later, so there is no older PostgreSQL database to upgrade).
      R"sql(
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  max_uses BIGINT NOT NULL,
  uses BIGINT NOT NULL DEFAULT 0,
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
  enrolled_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL DEFAULT 0,
  last_seq BIGINT NOT NULL DEFAULT 0,
  reports BIGINT NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0,
  previous_ids TEXT NOT NULL DEFAULT '',
  last_peer TEXT NOT NULL DEFAULT '',
  conflicts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX devices_identity ON devices(identity_hash);
-- Revocation polling (every collector, every ~2 s) reads only these rows.
CREATE INDEX devices_revoked ON devices(device_id) WHERE revoked=1;
CREATE TABLE reports (
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  seq BIGINT NOT NULL,
  received_ms BIGINT NOT NULL,
  created_ms BIGINT NOT NULL,
  kind TEXT NOT NULL,
  payload BYTEA NOT NULL,
  PRIMARY KEY (device_id, seq)
);
-- in_report=1: the state is the full snapshot inside reports(device_id, seq)
-- and snapshot is empty (see sqlite_store.cpp, migration 4).
CREATE TABLE device_state (
  device_id TEXT PRIMARY KEY REFERENCES devices(device_id),
  seq BIGINT NOT NULL,
  snapshot BYTEA NOT NULL,
  updated_ms BIGINT NOT NULL,
  in_report INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE events (
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  seq BIGINT NOT NULL,
  idx BIGINT NOT NULL,
  at_ms BIGINT NOT NULL,
  payload BYTEA NOT NULL,
  PRIMARY KEY (device_id, seq, idx)
);
CREATE TABLE report_conflicts (
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  seq BIGINT NOT NULL,
  received_ms BIGINT NOT NULL,
  peer TEXT NOT NULL,
  payload BYTEA NOT NULL
);
CREATE INDEX report_conflicts_device ON report_conflicts(device_id, seq);
CREATE TABLE verdicts (
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  evaluated_ms BIGINT NOT NULL,
  level TEXT NOT NULL,
  score DOUBLE PRECISION NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX verdicts_device ON verdicts(device_id, evaluated_ms);
CREATE TABLE latest_verdict (
  device_id TEXT PRIMARY KEY REFERENCES devices(device_id),
  evaluated_ms BIGINT NOT NULL,
  level TEXT NOT NULL,
  score DOUBLE PRECISION NOT NULL,
  json TEXT NOT NULL
);
CREATE TABLE clusters (
  cluster_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  members TEXT NOT NULL,
  first_seen_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL,
  json TEXT NOT NULL
);
CREATE TABLE assignments (
  device_key TEXT PRIMARY KEY,
  employee TEXT NOT NULL,
  email TEXT NOT NULL,
  timezone TEXT NOT NULL,
  region TEXT NOT NULL
);
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_ms BIGINT NOT NULL
);
)sql",
      // The CA every collector signs with, its key encrypted with the
      // deployment's passphrase (server/ca/shared_ca.h). One row.
      R"sql(
CREATE TABLE shared_ca (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  key_encrypted_pem TEXT NOT NULL,
  cert_pem TEXT NOT NULL
);
)sql",
      // Fleet correlation's hardware history, shared by every collector (sqlite migration 6).
      R"sql(
CREATE TABLE hardware_sightings (
  device_id TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  serial TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  first_seen_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL,
  snapshots BIGINT NOT NULL,
  last_snapshot_id BIGINT NOT NULL,
  PRIMARY KEY (device_id, kind, serial, fingerprint)
);
)sql",
      // Presence checks (sqlite migration 7). The signed result is kept
      // base64url-encoded: the exact bytes the agent signed.
      R"sql(
CREATE TABLE presence_checks (
  check_id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  action TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  answer_seconds BIGINT NOT NULL,
  requested_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  delivered_ms BIGINT NOT NULL DEFAULT 0,
  answered_ms BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  outcome TEXT NOT NULL DEFAULT '',
  device_class TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '',
  observation_json TEXT NOT NULL DEFAULT '',
  signed_result_b64 TEXT NOT NULL DEFAULT '',
  signature_valid INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX presence_checks_device ON presence_checks(device_id, requested_ms);
CREATE INDEX presence_checks_status ON presence_checks(status, requested_ms);
)sql",
      // Compact history (sqlite migration 8, server/store/compact_history.h):
      // when the newest full snapshot was stored; 0 stores the next one full.
      R"sql(
ALTER TABLE device_state ADD COLUMN full_ms BIGINT NOT NULL DEFAULT 0;
)sql",
      // Suppressions (allow-listed indicators), shared by every collector (sqlite migration 9).
      R"sql(
CREATE TABLE suppressions (
  id BIGSERIAL PRIMARY KEY,
  device_id TEXT NOT NULL,
  indicator_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  lifted_ms BIGINT NOT NULL DEFAULT 0,
  lifted_by TEXT NOT NULL DEFAULT ''
);
)sql",
      // Reports partitioned by UTC month of received_ms (issue 19): retention
      // drops a month at once (server/store/postgres_partitions.h). A
      // partitioned table's unique keys must hold the partition key, so
      // (device_id, seq) is an index and ingest finds a re-sent report
      // through it under the device's row lock. Existing rows go to the
      // default partition; the store moves them into their months at open.
      // A report row is ~350 bytes, far below the 2 KB at which PostgreSQL
      // compresses: toast_tuple_target 128 on every partition with STORAGE
      // MAIN compresses payloads inline (-4% for an idle laptop's day,
      // bench/history_storage_bench.cpp) and never moves them out of line.
      R"sql(
ALTER TABLE reports RENAME TO reports_unpartitioned;
CREATE TABLE reports (
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  seq BIGINT NOT NULL,
  received_ms BIGINT NOT NULL,
  created_ms BIGINT NOT NULL,
  kind TEXT NOT NULL,
  payload BYTEA NOT NULL
) PARTITION BY RANGE (received_ms);
ALTER TABLE reports ALTER COLUMN payload SET STORAGE MAIN;
CREATE INDEX reports_device_seq ON reports(device_id, seq);
CREATE TABLE reports_default PARTITION OF reports DEFAULT WITH (toast_tuple_target = 128);
INSERT INTO reports SELECT device_id, seq, received_ms, created_ms, kind, payload FROM reports_unpartitioned;
DROP TABLE reports_unpartitioned;
)sql",
  };
  return migrations;
}

}  // namespace telltale::server
