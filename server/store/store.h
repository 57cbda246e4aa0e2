#pragma once
// The collector's storage boundary. sqlite is the embedded default; the same
// interface is what a PostgreSQL backend implements for fleets that need
// several collectors.
//
// Invariant every implementation keeps: ingest() returns only after the
// batch is durable (committed and synced). The ingest service sends Ack{seq}
// only after ingest() returned, so a crash at any point loses nothing that was
// acknowledged; a report that was received but not yet committed is re-sent
// by the agent (its spool still holds it) and stored once thanks to the
// (device_id, seq) key.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "telltale/v1/events.pb.h"
#include "telltale/v1/snapshot.pb.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::server {

struct TokenRecord {
  std::string id;           // first 12 hex digits of the secret hash, for listings
  std::string secret_hash;  // sha256 of the secret; the secret itself is never stored
  int64_t created_unix_ms = 0;
  int64_t expires_unix_ms = 0;
  int64_t max_uses = 1;
  int64_t uses = 0;
  bool revoked = false;
  std::string note;
};

struct DeviceRecord {
  std::string device_id;
  std::string hostname;
  std::string platform;
  std::string agent_version;
  std::string identity_hash;  // sha256 over the normalised hardware identity
  std::string identity_json;  // the HardwareIdentity the agent sent, canonical JSON
  std::string serial;         // DMI product serial, for assignment matching
  std::string certificate_fingerprint;
  std::string token_id;
  int64_t enrolled_unix_ms = 0;
  int64_t last_seen_unix_ms = 0;
  uint64_t last_seq = 0;
  uint64_t reports = 0;
  bool revoked = false;
  std::vector<std::string> previous_device_ids;  // same hardware enrolled earlier
  std::string last_peer;
  uint64_t conflicting_reports = 0;  // reports that reused a seq with other content (cloned identity)
};

enum class EnrollStatus { kOk, kUnknownToken, kExpired, kExhausted, kRevokedToken };
const char* to_string(EnrollStatus s);

struct EnrollResult {
  EnrollStatus status = EnrollStatus::kUnknownToken;
  std::vector<std::string> previous_device_ids;
};

struct IncomingReport {
  std::string device_id;
  std::string peer;  // "ipv4:1.2.3.4:5678"
  int64_t received_unix_ms = 0;
  const telltale::v1::Report* report = nullptr;  // not owned, valid during ingest()
};

// kConflict: the (device, seq) was stored before with different content
// (two agents share one identity); the new report is kept apart and the
// device flagged. The agent is acknowledged so its spool drains.
enum class IngestOutcome { kStored, kDuplicate, kConflict, kRejected };
struct IngestResult {
  IngestOutcome outcome = IngestOutcome::kRejected;
  std::string reason;  // for kRejected: why it will never be stored
};

struct StoredEvent {
  uint64_t seq = 0;
  telltale::v1::Event event;
};

struct ReportSummary {
  uint64_t seq = 0;
  int64_t received_unix_ms = 0;
  int64_t created_unix_ms = 0;
  std::string kind;  // "snapshot", "delta"
  size_t bytes = 0;
};

// One report's collector round trips (heartbeats over the agent's window),
// for the console's RTT chart.
struct RttPoint {
  int64_t unix_ms = 0;  // when the report was received
  uint32_t samples = 0;
  uint32_t median_us = 0;
  uint32_t p95_us = 0;
};

// Verdicts and clusters are stored as the detection engine's canonical JSON
// (telltale.v1.Verdict / Cluster) beside the columns lists need to filter
// and sort on, so the store does not change when a rule adds evidence.
struct StoredVerdict {
  std::string device_id;
  int64_t evaluated_unix_ms = 0;
  std::string level;  // clean, review, suspicious, puppeteered
  double score = 0;
  std::string json;
};

struct StoredCluster {
  std::string cluster_id;
  std::string kind;  // gateway_mac, egress_ip, bssid, monitor_serial, kvm_serial, silent_together
  std::string key;   // the shared value
  std::vector<std::string> members;
  int64_t first_seen_unix_ms = 0;
  int64_t last_seen_unix_ms = 0;
  std::string json;
};

// One (serial, fingerprint) a device has shown, as fleet correlation's
// hardware history keeps it (server/detect/hardware_history.h). Stored, so
// the history survives a collector restart and is the same for every
// collector on one PostgreSQL database (whichever holds the correlation lease).
struct HardwareSightingRecord {
  std::string kind;         // "monitor" or "kvm"
  std::string serial;       // "DEL:a0b1:CN0XYZ" (monitor) or "1d6b:0104:CAFEBABE" (KVM)
  std::string fingerprint;  // sha256 of the raw EDID / of the USB device's identity
  int64_t first_seen_unix_ms = 0;  // on the collector's clock, never the device's
  int64_t last_seen_unix_ms = 0;
  int64_t snapshots = 0;            // distinct snapshots that showed it
  int64_t last_snapshot_id = 0;     // the last snapshot counted, so none counts twice
  bool operator==(const HardwareSightingRecord&) const = default;
};
// Sightings kept per device; beyond it the least recently seen go.
inline constexpr size_t kHardwareSightingsPerDevice = 64;

// Who a laptop is assigned to, imported from HR/MDM CSV.
struct Assignment {
  std::string device_key;  // device id or DMI serial
  std::string employee;
  std::string email;
  std::string timezone;  // expected IANA zone
  std::string region;    // expected country/region, e.g. "US-TX"
};

// A presence check (proto/telltale/v1/presence.proto): queued by an
// investigator, pushed to the agent when it is connected, answered with a
// signed result. Only what the result holds is stored: action, device
// class, timings, session type; never a key.
struct PresenceCheckRecord {
  std::string check_id;
  std::string device_id;
  std::string action;        // lid, key, reaction
  std::string requested_by;  // "ctl:<unix user>" or "console:<login>"
  std::string reason;        // shown in the prompt
  uint32_t answer_seconds = 120;
  int64_t requested_unix_ms = 0;
  int64_t expires_unix_ms = 0;  // not delivered after this
  int64_t delivered_unix_ms = 0;
  int64_t answered_unix_ms = 0;
  std::string status;        // queued, delivered, answered, expired
  std::string outcome;       // answered, no_answer, declined, no_session, expired, unsupported ("" until answered)
  std::string device_class;  // built_in, external_usb, external_wireless, virtual, injected, unknown
  std::string summary;       // the plain-language result
  std::string observation_json;  // telltale.v1.PresenceObservation, canonical JSON
  std::string signed_result;     // telltale.v1.SignedPresenceResult bytes as the agent sent them
  bool signature_valid = false;
};

// An indicator allow-listed for one device (or, device_id empty, the whole
// fleet) until expires_unix_ms, with who approved it and why ("approved
// AnyDesk for the helpdesk until 2027-03-01"). The verdict service drops
// matching indicators while it is active (now < expires, not lifted); the
// row stays after expiry or lifting, as evidence of what was allowed.
struct Suppression {
  int64_t id = 0;
  std::string device_id;     // empty: every device
  std::string indicator_id;  // e.g. "remote.anydesk_installed"
  std::string reason;
  std::string created_by;
  int64_t created_unix_ms = 0;
  int64_t expires_unix_ms = 0;
  int64_t lifted_unix_ms = 0;  // 0: not lifted
  std::string lifted_by;
  bool active_at(int64_t now_ms) const { return lifted_unix_ms == 0 && now_ms < expires_unix_ms; }
};

// Thrown when the store cannot take writes: the caller refuses the work with
// a clear status and acknowledges nothing. The cause picks the status agents
// see: kExhausted (disk full, database out of resources) is RESOURCE_EXHAUSTED,
// kUnreachable (database down or connection lost, I/O error) is UNAVAILABLE.
class StoreUnavailable : public std::runtime_error {
 public:
  enum class Cause { kExhausted, kUnreachable };
  explicit StoreUnavailable(const std::string& what, Cause cause = Cause::kUnreachable)
      : std::runtime_error(what), cause_(cause) {}
  Cause cause() const { return cause_; }

 private:
  Cause cause_;
};

// A push from the database that some process revoked a device, so the
// collector re-reads revocations at once instead of at its next poll.
class RevocationSignal {
 public:
  virtual ~RevocationSignal() = default;
  // Blocks up to `timeout`; true when a revocation was announced meanwhile.
  // Throws StoreUnavailable when the connection is lost (the caller opens a
  // new signal after a pause and re-reads, since announcements in the gap
  // are gone).
  virtual bool wait(std::chrono::milliseconds timeout) = 0;
  // key=value fields for logs, e.g. "source=postgres backend_pid=4242" (the
  // pid a DBA sees in pg_stat_activity).
  virtual std::string log_fields() const = 0;
};

// Retention (issue 19): how long each kind of row is kept, in ms; 0 keeps
// it forever. Console audit and cases live in console.db and are never
// pruned by the store.
struct RetentionPolicy {
  int64_t history_ms = 0;    // reports (full snapshots and deltas); chains stay whole
  int64_t events_ms = 0;     // agent events, by their time
  int64_t verdicts_ms = 0;   // verdict history (each device's latest verdict always stays)
  int64_t conflicts_ms = 0;  // raw reports kept apart as cloned-identity conflicts
};

struct PruneResult {
  uint64_t reports = 0, events = 0, verdicts = 0, conflicts = 0;
  bool more = false;  // a limit was reached: call again
  uint64_t total() const { return reports + events + verdicts + conflicts; }
};

// The oldest row of each kind (unix ms; 0 when there is none), for /metrics.
struct OldestRows {
  int64_t reports_ms = 0, events_ms = 0, verdicts_ms = 0, conflicts_ms = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual void add_token(const TokenRecord& token) = 0;
  virtual std::vector<TokenRecord> tokens() = 0;
  virtual bool revoke_token(const std::string& id) = 0;

  // In one transaction: the token must exist, be unrevoked, unexpired at
  // now_ms and have a use left; one use is counted and the device recorded.
  // Either all of it happens or none, so two concurrent enrollments can never
  // over-use a token.
  virtual EnrollResult enroll(const std::string& token_secret_hash, int64_t now_ms, const DeviceRecord& device) = 0;

  virtual std::optional<DeviceRecord> device(const std::string& device_id) = 0;
  virtual std::vector<DeviceRecord> devices() = 0;
  virtual bool revoke_device(const std::string& device_id) = 0;
  virtual std::vector<std::string> revoked_device_ids() = 0;
  // Null when the backend cannot push (sqlite: another process writes the
  // file), and revocations are then only as fresh as the poll.
  virtual std::unique_ptr<RevocationSignal> revocation_signal() { return nullptr; }

  // Stores a batch in one transaction (group commit) and returns one result
  // per report, in order. Idempotent on (device_id, seq). Throws
  // StoreUnavailable when nothing could be stored.
  virtual std::vector<IngestResult> ingest(std::span<const IncomingReport> batch) = 0;

  // The device's current state: the newest full snapshot with later deltas applied.
  virtual std::optional<telltale::v1::Snapshot> latest_snapshot(const std::string& device_id) = 0;
  // The device's state as of report `seq`: the newest full snapshot at or
  // before it with the deltas up to `seq` applied; nullopt when no full
  // snapshot precedes it. The console's change timeline and snapshot diff are
  // built only on this call, so a store that keeps history another way (as
  // deltas, say) answers them by implementing it.
  virtual std::optional<telltale::v1::Snapshot> snapshot_at(const std::string& device_id, uint64_t seq) = 0;
  virtual std::vector<ReportSummary> reports(const std::string& device_id, size_t limit) = 0;
  virtual std::vector<StoredEvent> events(const std::string& device_id, size_t limit) = 0;
  // Round trips from reports received at or after since_ms that carry them,
  // oldest first, at most limit points (the newest ones).
  virtual std::vector<RttPoint> rtt_history(const std::string& device_id, int64_t since_ms, size_t limit) = 0;
  // Bytes the store occupies on disk, for /metrics.
  virtual uint64_t size_bytes() = 0;

  // Appends to the device's verdict history (kept: a verdict's past is evidence too).
  virtual void save_verdict(const StoredVerdict& verdict) = 0;
  // The newest verdict of every device that has one.
  virtual std::vector<StoredVerdict> latest_verdicts() = 0;
  virtual std::vector<StoredVerdict> verdict_history(const std::string& device_id, size_t limit) = 0;

  // Fleet correlation replaces the whole cluster set each run; first_seen of a
  // cluster that persists (same id) is kept from the earlier run.
  virtual void replace_clusters(const std::vector<StoredCluster>& clusters) = 0;
  virtual std::vector<StoredCluster> clusters() = 0;

  // The device's hardware sightings, most recently seen first.
  virtual std::vector<HardwareSightingRecord> hardware_sightings(const std::string& device_id) = 0;
  // Replaces the device's sightings with `sightings` in one transaction,
  // keeping the kHardwareSightingsPerDevice most recently seen. Writes nothing
  // for an unknown or revoked device (a revocation racing a correlation run
  // must not leave rows behind); revoke_device removes a device's sightings.
  virtual void record_hardware_sightings(const std::string& device_id,
                                         const std::vector<HardwareSightingRecord>& sightings) = 0;

  // Import replaces the assignment table in one transaction.
  virtual void replace_assignments(const std::vector<Assignment>& assignments) = 0;
  virtual std::vector<Assignment> assignments() = 0;

  // Leases make fleet-wide jobs (correlation, scheduled reports) run on one
  // collector at a time when several share a database. Grants `name` to
  // `holder` until now_ms + ttl_ms when it is free, expired, or already
  // held by `holder` (a renewal); false while another holder's lease runs.
  // One statement, so two collectors asking at once cannot both win.
  virtual bool try_acquire_lease(const std::string& name, const std::string& holder, int64_t ttl_ms,
                                 int64_t now_ms) = 0;
  // Gives the lease up early (clean shutdown) so another collector need not
  // wait for it to expire; a lease held by someone else is left alone.
  virtual void release_lease(const std::string& name, const std::string& holder) = 0;

  // Presence checks. add fails (returns false) when the id exists.
  virtual bool add_presence_check(const PresenceCheckRecord& check) = 0;
  // Newest first; an empty device_id lists every device's.
  virtual std::vector<PresenceCheckRecord> presence_checks(const std::string& device_id, size_t limit) = 0;
  virtual std::optional<PresenceCheckRecord> presence_check(const std::string& check_id) = 0;
  // Checks in status `status`, oldest first (the dispatcher's work list).
  virtual std::vector<PresenceCheckRecord> presence_checks_in(const std::string& status, size_t limit) = 0;
  // Replaces the mutable fields of the check with this id; false when absent.
  virtual bool update_presence_check(const PresenceCheckRecord& check) = 0;
  // Deletes rows older than the policy's windows as of now_ms, at most
  // max_rows per kind and device, one device per short transaction so
  // ingest is never held up for long. History is cut only below a full
  // snapshot older than the window, so every report kept still rebuilds
  // (Store::snapshot_at). sqlite then returns the freed pages to the file
  // system (incremental vacuum).
  virtual PruneResult prune(const RetentionPolicy& policy, int64_t now_ms, size_t max_rows) = 0;
  virtual OldestRows oldest_rows() = 0;
  // Suppressions (allow-list), read by the verdict service at each
  // evaluation; the id is assigned by the store.
  virtual int64_t add_suppression(const Suppression& s) = 0;
  // Every suppression, active or not, newest first.
  virtual std::vector<Suppression> suppressions() = 0;
  // false when unknown or lifted already.
  virtual bool lift_suppression(int64_t id, const std::string& by, int64_t now_ms) = 0;
};

}  // namespace telltale::server
