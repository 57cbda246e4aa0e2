#include "server/collector/collector.h"

#include <sys/stat.h>
#include <unistd.h>

#include "platform/common/file.h"
#include "platform/common/log.h"
#include "server/ca/shared_ca.h"
#include "server/detect/zones.h"
#include "server/reports/fleet_report.h"
#include "server/store/open_store.h"
#include "server/store/postgres_store.h"
#include "server/store/sqlite_store.h"

namespace telltale::server {

std::filesystem::path listen_address_file(const std::filesystem::path& d) { return d / "listen_address"; }
std::filesystem::path database_file(const std::filesystem::path& d) { return d / "telltale.db"; }
std::filesystem::path reports_dir(const std::filesystem::path& d) { return d / "reports"; }

Collector::Collector(CollectorConfig config) : config_(std::move(config)) {}

Collector::~Collector() { shutdown(); }

void Collector::start() {
  install_grpc_log_hook();  // gRPC's own errors in our log format, and its accept failures noted
  if (config_.data_dir.empty()) throw std::runtime_error("--data-dir is required");
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) throw std::runtime_error("cannot create data dir " + config_.data_dir.string() + ": " + ec.message());
  ::chmod(config_.data_dir.c_str(), 0700);

  // The store first: with a database-kept CA it migrates the table the CA
  // is read from.
  if (config_.store.empty())
    store_ = std::make_unique<SqliteStore>(database_file(config_.data_dir));
  else
    store_ = open_store(config_.store, StoreOptions{.postgres_pool_size = config_.store_pool_size});
  const bool ca_in_database = !config_.ca_passphrase_file.empty();
  if (ca_in_database && !is_postgres_url(config_.store))
    throw std::runtime_error("--ca-passphrase-file keeps the CA in PostgreSQL and needs --store postgresql://...");
  const auto ca_dir = !config_.ca_dir.empty() ? config_.ca_dir
                      : ca_in_database       ? config_.data_dir / "shared-ca"
                                             : config_.data_dir;
  if (ca_dir != config_.data_dir && !std::filesystem::exists(ca_dir)) {
    std::filesystem::create_directories(ca_dir, ec);
    if (ec) throw std::runtime_error("cannot create CA dir " + ca_dir.string() + ": " + ec.message());
    ::chmod(ca_dir.c_str(), 0700);  // it holds the CA key
  }
  if (ca_in_database)
    sync_shared_ca(config_.store, read_passphrase_file(config_.ca_passphrase_file), ca_dir,
                   [&] { CertificateAuthority::open_or_create(ca_dir); });
  ca_ = std::make_unique<CertificateAuthority>(CertificateAuthority::open_or_create(ca_dir));
  if (config_.instance.empty()) {
    // Stable across restarts: a collector restarted after a crash renews its
    // own lease instead of waiting for it to expire (a pid would change).
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    config_.instance = std::string(host) + ":" + std::filesystem::absolute(config_.data_dir).string();
  }
  directory_ = std::make_unique<DeviceDirectory>(*store_);
  directory_->refresh_revocations();
  queue_ = std::make_unique<IngestQueue>(*store_);

  // A bad catalog or detection config stops the start with the file and line.
  detect::Catalog catalog = config_.catalog.empty() ? detect::Catalog::builtin() : detect::Catalog::load_file(config_.catalog);
  detect::DetectConfig detect_config =
      config_.detect_config.empty() ? detect::DetectConfig{} : detect::load_detect_config(config_.detect_config);
  const auto watchlist = catalog.watchlist();
  const auto catalog_version = catalog.version();
  auto verdict_options = config_.verdicts;
  // Three missed runs before another collector takes correlation over.
  const auto correlation_ttl = 3 * verdict_options.correlate_interval;
  verdict_options.may_correlate = [this, correlation_ttl] { return hold_lease("fleet_correlation", correlation_ttl); };
  verdicts_ = std::make_unique<VerdictService>(*store_, detect::Engine(std::move(catalog), detect_config),
                                               std::move(verdict_options));
  queue_->set_after_commit([this](const std::vector<std::string>& ids) { verdicts_->mark_dirty(ids); });

  TelemetryOptions options;
  options.config_for_agents = [this, watchlist, catalog_version] {
    telltale::v1::ConfigUpdate update;
    update.set_collect_interval_seconds(config_.collect_interval_seconds);
    update.set_heartbeat_interval_seconds(config_.heartbeat_interval_seconds);
    *update.mutable_watchlist() = watchlist;
    update.set_catalog_version(catalog_version);
    return update;
  };
  options.answer_scan = [this](const std::string& device, const telltale::v1::Report& report) {
    return std::optional<telltale::v1::ScanResult>(verdicts_->answer_scan(device, report));
  };
  options.on_presence_result = [this](const std::string& device, const std::string& cert,
                                     const telltale::v1::SignedPresenceResult& result) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    auto refused = accept_presence_result(*store_, device, cert, result, now);
    if (refused.empty()) verdicts_->mark_dirty({device});
    return refused;
  };
  enrollment_ = std::make_unique<EnrollmentService>(*store_, *ca_, config_.device_cert_days);
  telemetry_ = std::make_unique<TelemetryService>(*queue_, *directory_, std::move(options));

  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  // Enrollment runs before the agent has a certificate, so the handshake
  // only verifies a certificate when one is presented; Telemetry refuses
  // streams without one (AgentStream::authenticate).
  tls.pem_root_certs = ca_->ca_pem();
  tls.pem_key_cert_pairs.push_back({ca_->server_key_pem(), ca_->server_chain_pem()});

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, grpc::SslServerCredentials(tls), &port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config_.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(config_.max_message_bytes));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // A connection that has not finished its TLS + HTTP/2 handshake in 10 s is
  // dropped (gRPC's default of 120 s let slow-loris peers hold a descriptor
  // each, measured by tests/hostile; agents handshake in milliseconds).
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, 10000);
  apply_connection_memory(builder, config_.connection_memory);
  builder.RegisterService(enrollment_.get());
  builder.RegisterService(telemetry_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0)
    throw std::runtime_error("cannot listen on " + config_.listen + " (address in use or not local?)");

  std::string host = config_.listen.substr(0, config_.listen.rfind(':'));
  std::string bound = host + ":" + std::to_string(port_);
  write_file_atomic(listen_address_file(config_.data_dir),
                    (config_.advertise.empty() ? bound : config_.advertise) + "\n", 0644);
  watchdog_ = std::make_unique<ListenerWatchdog>(
      static_cast<uint16_t>(port_), config_.listener_watchdog, [](const std::string& why) {
        // Exit rather than limp: nothing acknowledged is lost (commit before
        // ack) and the supervisor's restart gets a listener that accepts.
        spdlog::critical("event=listener_wedged reason={} action=exit code=75", log::q(why));
        spdlog::default_logger()->flush();
        std::_Exit(75);
      });
  if (auto error = watchdog_->start()) spdlog::warn("event=listener_watchdog_off reason={}", log::q(*error));
  revocation_thread_ = std::thread([this] { poll_revocations(); });
  revocation_listener_ = std::thread([this] { listen_for_revocations(); });
  verdicts_->start();
  // Working hours are local to each assignee; the catalog's zones give the
  // offset, as for the night-work rules.
  auto zones = std::make_shared<detect::Catalog>(config_.catalog.empty() ? detect::Catalog::builtin()
                                                                          : detect::Catalog::load_file(config_.catalog));
  presence_ = std::make_unique<PresenceDispatcher>(
      *store_, *telemetry_, config_.presence, config_.presence_poll, config_.presence_schedule,
      [zones](const std::string& zone, int64_t unix_ms) { return detect::zone_offset_seconds(*zones, zone, unix_ms); });
  if (config_.report_interval.count() > 0) report_thread_ = std::thread([this] { write_reports(); });
  retention_ = std::make_unique<RetentionTask>(*store_, config_.retention, clock_);
  retention_->start();
  spdlog::info("event=collector_started listen={} data_dir={} ca_pin={} store={} instance={}", bound,
               log::q(config_.data_dir.string()), ca_->pin(),
               log::q(config_.store.empty() ? "sqlite" : config_.store.substr(0, config_.store.find(':'))),
               log::q(config_.instance));
}

bool Collector::hold_lease(const char* name, std::chrono::milliseconds ttl) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  bool held = false;
  try {
    held = store_->try_acquire_lease(name, config_.instance, ttl.count(), now);
    if (!held) spdlog::debug("event=lease_held_elsewhere lease={} action=skip", name);
  } catch (const std::exception& e) {
    spdlog::warn("event=lease_failed lease={} error={} action=skip", name, log::q(e.what()));
  }
  std::lock_guard lock(leases_mu_);
  if (held && leases_held_.insert(name).second)
    spdlog::info("event=lease_acquired lease={} instance={}", name, log::q(config_.instance));
  else if (!held && leases_held_.erase(name))
    spdlog::warn("event=lease_lost lease={} instance={}", name, log::q(config_.instance));
  return held;
}

void Collector::poll_revocations() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(config_.revocation_poll_ms),
                 [this] { return stopping_ || revocation_hint_; });
    if (stopping_) break;
    revocation_hint_ = false;
    lock.unlock();
    try {
      for (const auto& id : directory_->refresh_revocations()) {
        spdlog::info("event=device_revoked device={} action=closing_streams", id);
        directory_->cancel_sessions(id);
      }
    } catch (const std::exception& e) {
      spdlog::warn("event=revocation_poll_failed error={}", log::q(e.what()));
    }
    lock.lock();
  }
}

std::string Collector::metrics_text() {
  auto& c = telemetry_->counters();
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(value) + "\n";
  };
  metric("telltale_connected_agents", "gauge", "Agent streams open now.", directory_->connected());
  metric("telltale_reports_stored_total", "counter", "Reports committed and acknowledged.", c.reports_stored);
  metric("telltale_reports_duplicate_total", "counter", "Re-sent reports acknowledged as duplicates.",
         c.reports_duplicate);
  metric("telltale_reports_rejected_total", "counter", "Reports refused as over a limit or malformed.",
         c.reports_rejected);
  metric("telltale_streams_refused_total", "counter",
         "Telemetry streams refused (no, foreign or revoked certificate, or a malformed frame).", c.streams_refused);
  metric("telltale_frames_malformed_total", "counter",
         "Telemetry frames that did not parse as an AgentMessage or had nothing set (stream ended INVALID_ARGUMENT).",
         c.frames_malformed);
  if (retention_) out += retention_->metrics_text();
  auto& e = enrollment_->counters();
  metric("telltale_enrollments_total", "counter", "Devices enrolled.", e.enrolled);
  metric("telltale_enrollments_refused_total", "counter",
         "Enrollments refused (bad, unknown, spent or foreign token; bad CSR).", e.refused);
  metric("telltale_enrollments_throttled_total", "counter",
         "Failed enrollments beyond the per-address limit, answered RESOURCE_EXHAUSTED.", e.throttled);
  metric("telltale_ingest_queue_depth", "gauge", "Reports waiting for the next commit.", queue_->depth());
  metric("telltale_ingest_batches_total", "counter", "Group commits.", queue_->committed_batches());
  metric("telltale_ingest_commit_running_seconds", "gauge",
         "How long the group commit in progress has been running (0 when none): growing means the store hangs.",
         static_cast<uint64_t>(queue_->commit_running_seconds()));
  metric("telltale_listen_backlog", "gauge",
         "Connections the kernel completed that the server has not accepted yet (last watchdog sample).",
         watchdog_ ? watchdog_->backlog() : 0);
  out += queue_->commit_seconds().text("telltale_ingest_commit_seconds",
                                       "Wall time of one group commit (insert, commit, fsync).");
  out += queue_->ack_seconds().text("telltale_ack_latency_seconds",
                                    "Per report, from receipt to the commit its ack waits for.");
  return out;
}

void Collector::listen_for_revocations() {
  using namespace std::chrono_literals;
  // One wait per second so shutdown is never held longer; a lost connection
  // is retried with a growing pause, and every (re)connection asks for one
  // re-read because announcements made while nobody listened are gone.
  std::unique_ptr<RevocationSignal> signal;
  auto pause = 1s;
  auto hint = [this] {
    {
      std::lock_guard lock(mu_);
      revocation_hint_ = true;
    }
    cv_.notify_all();
  };
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    try {
      if (!signal) {
        signal = store_->revocation_signal();
        if (!signal) return;  // this store cannot push: polling alone
        spdlog::info("event=revocation_listening {}", signal->log_fields());
        pause = 1s;
        hint();
      }
      if (signal->wait(1s)) {
        spdlog::debug("event=revocation_notified action=reread");
        hint();
      }
    } catch (const std::exception& e) {
      signal.reset();
      spdlog::warn("event=revocation_listen_failed error={} action=poll_only retry_in_s={}", log::q(e.what()),
                   pause.count());
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, pause, [this] { return stopping_; });
      pause = std::min<std::chrono::seconds>(pause * 2, 30s);
    }
  }
}

void Collector::write_reports() {
  auto since = std::chrono::system_clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, config_.report_interval);
    if (stopping_) break;
    lock.unlock();
    // Held a little longer than one interval, so the holder renews it each
    // run and another collector takes over only after a missed one.
    if (!hold_lease("fleet_report", config_.report_interval + std::chrono::seconds(60))) {
      since = std::chrono::system_clock::now();
      lock.lock();
      continue;
    }
    try {
      const auto now = std::chrono::system_clock::now();
      auto to_ms = [](auto t) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
      };
      FleetReportPolicy policy;
      policy.noncompliant_levels = config_.verdicts.noncompliant_levels;
      policy.silent_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.silent_after).count();
      auto report = build_fleet_report(*store_, to_ms(now), to_ms(since), policy);
      auto base = write_fleet_report(report, reports_dir(config_.data_dir));
      since = now;
      spdlog::info("event=fleet_report path={} devices={} noncompliant={} silent={} clusters={}",
                   log::q(base.string()), report.devices.size(), report.noncompliant, report.silent,
                   report.clusters.size());
    } catch (const std::exception& e) {
      spdlog::error("event=fleet_report_failed error={}", log::q(e.what()));
    }
    lock.lock();
  }
}

void Collector::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (watchdog_) watchdog_->stop();  // a shutting-down listener must not count as wedged
  presence_.reset();
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // The queue drains after the server stopped taking reports: whatever was
  // received is committed before exit (its acks may not reach the agent,
  // which then re-sends and gets a duplicate ack).
  if (queue_) queue_->stop();
  if (verdicts_) verdicts_->stop();
  if (revocation_thread_.joinable()) revocation_thread_.join();
  if (revocation_listener_.joinable()) revocation_listener_.join();
  if (report_thread_.joinable()) report_thread_.join();
  if (retention_) retention_->stop();
  if (server_) server_->Wait();
  if (store_) {
    // Handing the leases back lets another collector take the fleet jobs at
    // its next run instead of after the lease runs out.
    for (const char* lease : {"fleet_correlation", "fleet_report"}) {
      try {
        store_->release_lease(lease, config_.instance);
      } catch (const std::exception& e) {
        spdlog::warn("event=lease_release_failed lease={} error={}", lease, log::q(e.what()));
      }
    }
  }
  spdlog::info("event=collector_stopped");
}

void Collector::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stopping_; });
}

}  // namespace telltale::server
