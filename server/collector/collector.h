#pragma once
// The collector process: CA, store, enrollment and telemetry services on one
// TLS port. main() only parses flags; tests start this class in-process too.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>

#include "server/ca/certificate_authority.h"
#include "server/collector/connection_memory.h"
#include "server/collector/listener_watchdog.h"
#include "server/enroll/enrollment_service.h"
#include "server/ingest/device_directory.h"
#include "server/ingest/ingest_queue.h"
#include "server/ingest/telemetry_service.h"
#include "server/presence/presence_dispatcher.h"
#include "server/store/retention_task.h"
#include "server/store/store.h"
#include "server/verdicts/verdict_service.h"

namespace telltale::server {

struct CollectorConfig {
  std::filesystem::path data_dir;
  // Empty: sqlite in DATA_DIR/telltale.db. A postgresql:// URL: the shared
  // store several collectors use at once (server/store/open_store.h).
  std::string store;
  size_t store_pool_size = 4;  // PostgreSQL connections (--store-pool-size)
  // Where the CA key and certificates live; empty: the data dir. Collectors
  // sharing one database must share one CA, so they point here at one
  // directory (a shared mount or a copy made at deployment).
  std::filesystem::path ca_dir;
  // With a postgresql:// store: keep the CA key in the database, encrypted
  // with the passphrase in this file (server/ca/shared_ca.h); the collector
  // works on a copy in ca_dir (default DATA_DIR/shared-ca).
  std::filesystem::path ca_passphrase_file;
  // This collector's name as lease holder; empty: hostname:data-dir.
  std::string instance;
  std::string listen = "127.0.0.1:7443";  // port 0 picks a free port (written to DATA_DIR/listen_address)
  std::string advertise;                  // address tokens carry; default: the bound listen address
  size_t max_message_bytes = 4 * 1024 * 1024;
  ConnectionMemory connection_memory = ConnectionMemory::kLean;
  uint32_t collect_interval_seconds = 300;
  uint32_t heartbeat_interval_seconds = 30;
  int device_cert_days = 365;
  int revocation_poll_ms = 2000;
  std::filesystem::path catalog;        // empty: the catalog built into the binary
  std::filesystem::path detect_config;  // TOML with a [detect] table; empty: defaults
  VerdictServiceOptions verdicts;
  std::chrono::seconds report_interval{86400};  // 0: no scheduled fleet reports
  std::chrono::hours silent_after{24};
  ListenerWatchdogOptions listener_watchdog;
  PresenceLimits presence;                          // rate limits and prompt text of presence checks
  std::chrono::milliseconds presence_poll{2000};    // how often queued checks are looked for
  PresenceSchedule presence_schedule;               // routine checks (per_week 0: none)
  // Retention windows (--retain-*-days), enforced by a background task
  // (server/store/retention_task.h); audit and cases are never pruned.
  RetentionOptions retention;
};

class Collector {
 public:
  explicit Collector(CollectorConfig config);
  ~Collector();

  // Creates the data dir, CA and store, binds and starts serving. Throws
  // std::runtime_error with a clear message on any failure.
  void start();
  void shutdown();
  void wait();

  int port() const { return port_; }
  Store& store() { return *store_; }
  const CertificateAuthority& ca() const { return *ca_; }
  TelemetryService& telemetry() { return *telemetry_; }
  VerdictService& verdicts() { return *verdicts_; }
  // Prometheus text of the collector's own counters (connected agents,
  // reports stored/duplicate/rejected, refused streams, ingest queue depth).
  std::string metrics_text();

 private:
  void poll_revocations();
  // With a store that pushes revocations (PostgreSQL LISTEN/NOTIFY): wakes
  // poll_revocations at once; the poll stays as the fallback.
  void listen_for_revocations();
  void write_reports();
  // Fleet-wide jobs run on one collector at a time: the one whose lease
  // (Store::try_acquire_lease) is granted or renewed now.
  bool hold_lease(const char* name, std::chrono::milliseconds ttl);

  CollectorConfig config_;
  std::unique_ptr<CertificateAuthority> ca_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<DeviceDirectory> directory_;
  std::unique_ptr<IngestQueue> queue_;
  std::unique_ptr<EnrollmentService> enrollment_;
  std::unique_ptr<TelemetryService> telemetry_;
  std::unique_ptr<VerdictService> verdicts_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<ListenerWatchdog> watchdog_;
  std::unique_ptr<PresenceDispatcher> presence_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool revocation_hint_ = false;  // a pushed revocation (or a re-listen) asks for a re-read now
  std::thread revocation_thread_;
  std::thread revocation_listener_;
  std::thread report_thread_;
  SystemClock clock_;
  std::unique_ptr<RetentionTask> retention_;
  std::mutex leases_mu_;
  std::set<std::string> leases_held_;  // to log when a lease is won or lost, not at every renewal
};

// Files in the data dir other tools read.
std::filesystem::path listen_address_file(const std::filesystem::path& data_dir);
std::filesystem::path database_file(const std::filesystem::path& data_dir);
std::filesystem::path reports_dir(const std::filesystem::path& data_dir);

}  // namespace telltale::server
