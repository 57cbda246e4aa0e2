// telltale-collector: ingest, enrollment CA and store on one TLS port.
#include <sys/resource.h>

#include <csignal>
#include <iostream>

#include "platform/common/log.h"
#include "platform/common/tls_policy.h"
#include "platform/common/toml_config.h"
#include "server/collector/collector.h"
#include "server/console/console_server.h"
#include "server/store/postgres_store.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  telltale::enforce_tls13_only();
  po::options_description desc(
      "telltale-collector — receives agent telemetry over mutual TLS, enrolls devices, stores reports\n\n"
      "Usage: telltale-collector [--config FILE] [--data-dir DIR] [--listen HOST:PORT]\n\nOptions");
  desc.add_options()
    ("help,h", "show this help")
    ("version", "print the version")
    ("config", po::value<std::string>(), "TOML config file; its keys are these option names, flags win")
    ("data-dir", po::value<std::string>()->default_value("/var/lib/telltale-collector"), "CA, keys and database")
    ("store", po::value<std::string>()->default_value(""),
     "postgresql://USER@HOST:PORT/DB for a database several collectors share (default: sqlite in the data dir)")
    ("ca-dir", po::value<std::string>()->default_value(""),
     "CA key and certificates, one directory for every collector of a deployment (default: the data dir)")
    ("ca-passphrase-file", po::value<std::string>()->default_value(""),
     "with --store postgresql://: keep the CA key in the database, encrypted with the passphrase in this file")
    ("instance", po::value<std::string>()->default_value(""),
     "this collector's name for fleet-job leases (default: hostname:data-dir)")
    ("listen", po::value<std::string>()->default_value("127.0.0.1:7443"), "HOST:PORT for gRPC (port 0: pick one)")
    ("advertise", po::value<std::string>()->default_value(""), "HOST:PORT agents dial, put into tokens (default: listen)")
    ("log-level", po::value<std::string>()->default_value("info"), "trace, debug, info, warn, error")
    ("max-message-bytes", po::value<size_t>()->default_value(4 * 1024 * 1024), "largest message accepted")
    ("connection-memory", po::value<std::string>()->default_value("lean"),
     "per-connection gRPC/TLS buffers: lean (small TLS frames, no BDP probing) or grpc-default (to compare)")
    ("collect-interval", po::value<uint32_t>()->default_value(300), "seconds between agent collections")
    ("heartbeat-interval", po::value<uint32_t>()->default_value(30), "seconds between agent heartbeats")
    ("device-cert-days", po::value<int>()->default_value(365), "validity of device certificates")
    ("presence-poll-ms", po::value<int>()->default_value(2000),
     "how often queued presence checks are looked for and pushed to connected agents")
    ("presence-company", po::value<std::string>()->default_value("your employer"),
     "the company named in presence-check prompts")
    ("presence-schedule-per-week", po::value<double>()->default_value(0),
     "routine presence checks per laptop and week, at random times in its assignee's working hours (0: none)")
    ("presence-schedule-action", po::value<std::string>()->default_value("key"), "routine checks: lid, key or reaction")
    ("presence-working-hours", po::value<std::string>()->default_value("9-17"), "routine checks: local hours START-END")
    ("presence-working-days", po::value<std::string>()->default_value("1-5"),
     "routine checks: ISO weekdays FIRST-LAST (1 Monday, 7 Sunday)")
    ("revocation-poll-ms", po::value<int>()->default_value(2000),
     "how often revocations are re-read (with PostgreSQL also pushed at once by LISTEN/NOTIFY)")
    ("store-pool-size", po::value<int>()->default_value(4), "with --store postgresql://: connections to the database (1-256)")
    ("catalog", po::value<std::string>()->default_value(""), "detection catalog file (default: built in)")
    ("detect-config", po::value<std::string>()->default_value(""), "TOML file with a [detect] table of weights/thresholds")
    ("console", po::value<std::string>()->default_value(""), "HOST:PORT for the HTTPS investigator console (empty: off)")
    ("console-handshake-timeout-ms", po::value<int64_t>()->default_value(10000), "console: TCP accept to finished TLS handshake")
    ("console-header-timeout-ms", po::value<int64_t>()->default_value(15000), "console: waiting for a request's headers (keep-alive idle too)")
    ("console-body-timeout-ms", po::value<int64_t>()->default_value(30000), "console: a request body, and writing the answer")
    ("console-max-connections", po::value<int>()->default_value(512), "console: open connections, all addresses")
    ("console-max-connections-per-address", po::value<int>()->default_value(32), "console: open connections from one address")
    ("console-api-token-days", po::value<int>()->default_value(90), "console: API token lifetime when none is asked for")
    ("console-sso-config", po::value<std::string>()->default_value(""),
     "console: TOML file with [sso] (OpenID Connect issuer, client, secret, role claim); docs/CONSOLE.md")
    ("report-interval", po::value<int>()->default_value(86400), "seconds between fleet reports in DATA_DIR/reports (0: off)")
    ("silent-hours", po::value<int>()->default_value(24), "a device unheard of this long is silent in reports")
    ("listener-wedged-seconds", po::value<int>()->default_value(10),
     "after gRPC logs an accept failure (its listener is then dead), exit (code 75, for systemd to restart) once a connection waits or after this long; 0: off")
    ("correlate-interval", po::value<int>()->default_value(60), "seconds between fleet correlations")
    ("retain-history-days", po::value<int>()->default_value(400), "reports (full snapshots and deltas) kept this long (0: forever)")
    ("retain-events-days", po::value<int>()->default_value(400), "agent events kept this long (0: forever)")
    ("retain-verdicts-days", po::value<int>()->default_value(0), "verdict history kept this long (0: forever; the latest stays)")
    ("retain-conflicts-days", po::value<int>()->default_value(400), "cloned-identity reports kept apart this long (0: forever)")
    ("retention-interval", po::value<int>()->default_value(300), "seconds between retention passes")
    ("noncompliant-level", po::value<std::vector<std::string>>()->default_value({"suspicious", "puppeteered"}, "suspicious puppeteered"),
     "verdict level that fails a compliance scan (repeatable)");
  po::variables_map vm;
  try {
    vm = telltale::parse_flags_and_config({argv + 1, argv + argc}, desc);
  } catch (const std::exception& e) {
    std::cerr << "telltale-collector: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "telltale-collector " << TELLTALE_VERSION << "\n";
    return 0;
  }
  try {
    telltale::log::init("telltale-collector", vm["log-level"].as<std::string>());
  } catch (const std::exception& e) {
    std::cerr << "telltale-collector: " << e.what() << "\n";
    return 2;
  }

  // One file descriptor per agent stream: raise the soft limit to the hard
  // one. gRPC 1.51's listener stops accepting for good after one EMFILE
  // (tests/hostile documents it), so running out must not happen early.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  if (getrlimit(RLIMIT_NOFILE, &files) == 0)
    spdlog::info("event=file_limit soft={} note={}", static_cast<uint64_t>(files.rlim_cur),
                 telltale::log::q("each connected agent holds one descriptor"));

  // Signals are taken synchronously by sigwait below, so shutdown runs on
  // the main thread and nothing async-signal-unsafe happens in a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  telltale::server::CollectorConfig config;
  config.data_dir = vm["data-dir"].as<std::string>();
  config.store = vm["store"].as<std::string>();
  config.ca_dir = vm["ca-dir"].as<std::string>();
  config.instance = vm["instance"].as<std::string>();
  config.ca_passphrase_file = vm["ca-passphrase-file"].as<std::string>();
  config.listen = vm["listen"].as<std::string>();
  config.advertise = vm["advertise"].as<std::string>();
  config.max_message_bytes = vm["max-message-bytes"].as<size_t>();
  try {
    config.connection_memory = telltale::server::parse_connection_memory(vm["connection-memory"].as<std::string>());
  } catch (const std::exception& e) {
    std::cerr << "telltale-collector: --connection-memory: " << e.what() << "\n";
    return 2;
  }
  config.collect_interval_seconds = vm["collect-interval"].as<uint32_t>();
  config.heartbeat_interval_seconds = vm["heartbeat-interval"].as<uint32_t>();
  config.device_cert_days = vm["device-cert-days"].as<int>();
  config.revocation_poll_ms = vm["revocation-poll-ms"].as<int>();
  config.presence_poll = std::chrono::milliseconds(vm["presence-poll-ms"].as<int>());
  config.presence.company = vm["presence-company"].as<std::string>();
  {
    auto& schedule = config.presence_schedule;
    schedule.per_week = vm["presence-schedule-per-week"].as<double>();
    schedule.action = vm["presence-schedule-action"].as<std::string>();
    auto bad = telltale::server::parse_working_hours(vm["presence-working-hours"].as<std::string>(), schedule);
    if (!bad) bad = telltale::server::parse_working_days(vm["presence-working-days"].as<std::string>(), schedule);
    if (!bad && (schedule.per_week < 0 || schedule.per_week > 100))
      bad = "--presence-schedule-per-week " + std::to_string(schedule.per_week) + " is not 0-100";
    if (!bad && schedule.action != "lid" && schedule.action != "key" && schedule.action != "reaction")
      bad = "--presence-schedule-action \"" + schedule.action + "\" is not one of lid, key, reaction";
    if (bad) {
      std::cerr << "telltale-collector: " << *bad << "\n";
      return 2;
    }
  }
  const int pool = vm["store-pool-size"].as<int>();
  if (pool < 1 || pool > 256) {
    std::cerr << "telltale-collector: --store-pool-size " << pool << " is not 1-256\n";
    return 2;
  }
  if (!vm["store-pool-size"].defaulted() && !telltale::server::is_postgres_url(config.store))
    spdlog::warn("event=option_ignored option=store-pool-size reason={}",
                 telltale::log::q("only a PostgreSQL store has a connection pool"));
  config.store_pool_size = static_cast<size_t>(pool);
  config.catalog = vm["catalog"].as<std::string>();
  config.detect_config = vm["detect-config"].as<std::string>();
  config.verdicts.correlate_interval = std::chrono::seconds(std::max(1, vm["correlate-interval"].as<int>()));
  auto levels = vm["noncompliant-level"].as<std::vector<std::string>>();
  for (const auto& l : levels)
    if (telltale::detect::level_rank(l) < 0) {
      std::cerr << "telltale-collector: --noncompliant-level \"" << l << "\" is not clean, review, suspicious or puppeteered\n";
      return 2;
    }
  config.verdicts.noncompliant_levels = {levels.begin(), levels.end()};
  config.report_interval = std::chrono::seconds(std::max(0, vm["report-interval"].as<int>()));
  config.silent_after = std::chrono::hours(std::max(1, vm["silent-hours"].as<int>()));
  config.listener_watchdog.wedged_after = std::chrono::seconds(std::max(0, vm["listener-wedged-seconds"].as<int>()));
  constexpr int64_t kDayMs = 86'400'000;
  for (const char* name : {"retain-history-days", "retain-events-days", "retain-verdicts-days", "retain-conflicts-days"})
    if (vm[name].as<int>() < 0) {
      std::cerr << "telltale-collector: --" << name << " " << vm[name].as<int>() << " is negative (0 keeps forever)\n";
      return 2;
    }
  config.retention.policy.history_ms = vm["retain-history-days"].as<int>() * kDayMs;
  config.retention.policy.events_ms = vm["retain-events-days"].as<int>() * kDayMs;
  config.retention.policy.verdicts_ms = vm["retain-verdicts-days"].as<int>() * kDayMs;
  config.retention.policy.conflicts_ms = vm["retain-conflicts-days"].as<int>() * kDayMs;
  config.retention.interval = std::chrono::seconds(std::max(1, vm["retention-interval"].as<int>()));
  telltale::server::Collector collector(config);
  try {
    collector.start();
  } catch (const std::exception& e) {
    spdlog::critical("event=start_failed error={}", telltale::log::q(e.what()));
    std::cerr << "telltale-collector: " << e.what() << "\n";
    return 1;
  }
  std::unique_ptr<telltale::server::console::ConsoleServer> console;
  if (const auto listen = vm["console"].as<std::string>(); !listen.empty()) {
    telltale::server::console::ConsoleConfig cc;
    cc.listen = listen;
    cc.data_dir = config.data_dir;
    cc.extra_metrics = [&collector] { return collector.metrics_text(); };
    cc.catalog = config.catalog;
    cc.handshake_timeout = std::chrono::milliseconds(vm["console-handshake-timeout-ms"].as<int64_t>());
    cc.header_timeout = std::chrono::milliseconds(vm["console-header-timeout-ms"].as<int64_t>());
    cc.body_timeout = std::chrono::milliseconds(vm["console-body-timeout-ms"].as<int64_t>());
    cc.max_connections = vm["console-max-connections"].as<int>();
    cc.max_connections_per_address = vm["console-max-connections-per-address"].as<int>();
    cc.api_token_default_days = vm["console-api-token-days"].as<int>();
    if (const auto sso = vm["console-sso-config"].as<std::string>(); !sso.empty()) {
      try {
        cc.sso = telltale::server::console::load_sso_config(sso);
      } catch (const std::exception& e) {
        std::cerr << "telltale-collector: --console-sso-config: " << e.what() << "\n";
        collector.shutdown();
        return 2;
      }
    }
    cc.suppressions_changed = [&collector] { collector.verdicts().suppressions_changed(); };
    console = std::make_unique<telltale::server::console::ConsoleServer>(cc, collector.store());
    try {
      console->start();
      spdlog::info("event=console_started port={}", console->port());
    } catch (const std::exception& e) {
      spdlog::critical("event=console_start_failed error={}", telltale::log::q(e.what()));
      std::cerr << "telltale-collector: console: " << e.what() << "\n";
      collector.shutdown();
      return 1;
    }
  }
  int sig = 0;
  sigwait(&signals, &sig);
  if (console) console->stop();
  spdlog::info("event=signal signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  collector.shutdown();
  return 0;
}
