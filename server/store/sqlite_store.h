#pragma once
#include <filesystem>
#include <mutex>

#include "platform/common/sqlite.h"
#include "server/store/compact_history.h"
#include "server/store/store.h"

namespace telltale::server {

class SqliteStore final : public Store {
 public:
  // Opens or creates the database and applies schema migrations. Throws with
  // a clear message when the file was written by a newer Telltale.
  explicit SqliteStore(const std::filesystem::path& path, const HistoryPolicy& history = {});

  static constexpr int kSchemaVersion = 9;

  void add_token(const TokenRecord& token) override;
  std::vector<TokenRecord> tokens() override;
  bool revoke_token(const std::string& id) override;
  EnrollResult enroll(const std::string& token_secret_hash, int64_t now_ms, const DeviceRecord& device) override;
  std::optional<DeviceRecord> device(const std::string& device_id) override;
  std::vector<DeviceRecord> devices() override;
  bool revoke_device(const std::string& device_id) override;
  std::vector<std::string> revoked_device_ids() override;
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
  void migrate();
  IngestResult ingest_one(const IncomingReport& in);
  std::optional<telltale::v1::Snapshot> load_state(const std::string& device_id);  // mu_ held
  std::optional<telltale::v1::Snapshot> snapshot_at_locked(const std::string& device_id, uint64_t seq);  // mu_ held

  const HistoryPolicy history_;
  std::mutex mu_;  // one connection, serialised: sqlite has one writer anyway
  sqlite::Database db_;
};

}  // namespace telltale::server
