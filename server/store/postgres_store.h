#pragma once
// The store on PostgreSQL, for fleets that run several collectors against one
// database. Same contract as SqliteStore (store.h); what differs is how it
// stays correct when two processes write at once:
//   - ingest locks the batch's device rows (sorted, so two collectors never
//     deadlock) before touching reports/device_state, so (device, seq) is
//     stored once and the state never moves backwards whichever collector
//     the agent reconnected to;
//   - enroll counts a token use with one UPDATE ... WHERE uses < max_uses,
//     whose row lock makes over-use impossible across collectors;
//   - leases are one upsert whose WHERE only takes a free or expired lease.
// A commit returns after the WAL is flushed (synchronous_commit=on, the
// server default), which is what "durable before ack" needs.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/store/compact_history.h"
#include "server/store/store.h"

namespace telltale::server {

class PgConnection;  // a pqxx::connection; kept out of this header (pqxx is heavy)

class PostgresStore final : public Store {
 public:
  // Connects (url: postgresql://user@host:port/db?...) and applies schema
  // migrations. Throws with a clear message when the database is unreachable
  // or was migrated by a newer Telltale.
  explicit PostgresStore(const std::string& url, size_t connections = kDefaultPoolSize,
                         const HistoryPolicy& history = {});

  // Ingest holds one connection while it writes, the console, verdicts and
  // correlation the others; more only helps when those overlap a lot.
  static constexpr size_t kDefaultPoolSize = 4;
  static constexpr size_t kMaxPoolSize = 256;
  ~PostgresStore() override;

  static constexpr int kSchemaVersion = 7;

  void add_token(const TokenRecord& token) override;
  std::vector<TokenRecord> tokens() override;
  bool revoke_token(const std::string& id) override;
  EnrollResult enroll(const std::string& token_secret_hash, int64_t now_ms, const DeviceRecord& device) override;
  std::optional<DeviceRecord> device(const std::string& device_id) override;
  std::vector<DeviceRecord> devices() override;
  bool revoke_device(const std::string& device_id) override;
  std::vector<std::string> revoked_device_ids() override;
  std::unique_ptr<RevocationSignal> revocation_signal() override;
  std::vector<IngestResult> ingest(std::span<const IncomingReport> batch) override;
  std::optional<telltale::v1::Snapshot> latest_snapshot(const std::string& device_id) override;
  std::optional<telltale::v1::Snapshot> snapshot_at(const std::string& device_id, uint64_t seq) override;
  std::vector<ReportSummary> reports(const std::string& device_id, size_t limit) override;
  std::vector<StoredEvent> events(const std::string& device_id, size_t limit) override;
  std::vector<RttPoint> rtt_history(const std::string& device_id, int64_t since_ms, size_t limit) override;
  uint64_t size_bytes() override;
  void save_verdict(const StoredVerdict& verdict) override;
  std::vector<StoredVerdict> latest_verdicts() override;
  std::vector<StoredVerdict> verdict_history(const std::string& device_id, size_t limit) override;
  void replace_clusters(const std::vector<StoredCluster>& clusters) override;
  std::vector<StoredCluster> clusters() override;
  std::vector<HardwareSightingRecord> hardware_sightings(const std::string& device_id) override;
  void record_hardware_sightings(const std::string& device_id,
                                 const std::vector<HardwareSightingRecord>& sightings) override;
  void replace_assignments(const std::vector<Assignment>& assignments) override;
  std::vector<Assignment> assignments() override;
  bool try_acquire_lease(const std::string& name, const std::string& holder, int64_t ttl_ms, int64_t now_ms) override;
  void release_lease(const std::string& name, const std::string& holder) override;
  bool add_presence_check(const PresenceCheckRecord& check) override;
  std::vector<PresenceCheckRecord> presence_checks(const std::string& device_id, size_t limit) override;
  std::optional<PresenceCheckRecord> presence_check(const std::string& check_id) override;
  std::vector<PresenceCheckRecord> presence_checks_in(const std::string& status, size_t limit) override;
  bool update_presence_check(const PresenceCheckRecord& check) override;
  PruneResult prune(const RetentionPolicy& policy, int64_t now_ms, size_t max_rows) override;
  OldestRows oldest_rows() override;
  int64_t add_suppression(const Suppression& s) override;
  std::vector<Suppression> suppressions() override;
  bool lift_suppression(int64_t id, const std::string& by, int64_t now_ms) override;

 private:
  // Runs fn on a pooled connection. A lost connection is dropped (the next
  // caller reconnects) and reported as StoreUnavailable, so callers answer
  // "retry later" rather than "denied".
  template <typename Fn>
  auto with_connection(Fn&& fn);
  std::unique_ptr<PgConnection> take();
  void give_back(std::unique_ptr<PgConnection> c);
  void migrate();

  std::string url_;          // as given, for messages (redacted)
  std::string connect_url_;  // with connection and keepalive timeouts
  size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  size_t open_ = 0;  // connections handed out or idle
  const HistoryPolicy history_;
  // End of the last month partition of reports known to exist; ingest
  // creates the next ones a week before it is reached.
  std::atomic<int64_t> partitions_until_ms_{0};
  void ensure_partitions(int64_t now_ms);
};

// True when a --store value names a PostgreSQL database rather than a file.
bool is_postgres_url(const std::string& store);
// The URL libpq is given: the operator's, plus connect_timeout, TCP
// keepalives, tcp_user_timeout and an application_name unless the URL sets
// them already.
std::string postgres_connection_url(const std::string& url);

}  // namespace telltale::server
