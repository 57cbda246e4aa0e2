#pragma once
// The investigator console: HTTPS (its own self-signed P-256 certificate in
// data_dir/console.crt) serving the JSON API under /api/v1 and /metrics.
// Embedded in the collector; see docs/CONSOLE.md.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "server/console/sso_login.h"
#include "server/console/alert_dispatcher.h"
#include "server/store/store.h"

namespace telltale::server::console {

struct ConsoleConfig {
  std::string listen = "127.0.0.1:8443";  // HOST:PORT; port 0 picks a free one
  std::filesystem::path data_dir;
  // Prometheus text appended to /metrics (the collector's counters).
  std::function<std::string()> extra_metrics;
  // The catalog the collector evaluates with (its --catalog), so the console
  // shows and exports the one in force. Empty: the built-in catalog.
  std::filesystem::path catalog{};

  // Connection limits (docs/CONSOLE.md "Connections"). Every phase of a
  // connection has a deadline that closes it and frees its slot, so idle or
  // trickling sockets cannot hold the console; the caps bound what one
  // address (and everyone together) may hold open at once.
  std::chrono::milliseconds handshake_timeout{10000};  // TCP accept to finished TLS handshake
  std::chrono::milliseconds header_timeout{15000};     // waiting for a request's headers (keep-alive idle included)
  std::chrono::milliseconds body_timeout{30000};       // the request body, and writing the answer
  int max_connections = 512;                           // open at once, all addresses
  int max_connections_per_address = 32;                // open at once from one peer address
  int io_threads = 2;                                  // threads running TLS and HTTP
  int api_threads = 2;                                 // threads answering requests (the API is blocking)

  // Login throttling and API token lifetime (see ApiOptions).
  int login_free_failures = 5;
  int64_t login_backoff_base_ms = 1000;
  int64_t login_backoff_max_ms = 15LL * 60 * 1000;
  int api_token_default_days = 90;
  // OpenID Connect sign-in (--console-sso-config FILE, load_sso_config); off when empty.
  SsoConfig sso{};

  // Alerts (docs/CONSOLE.md "Alerts"): how often new verdicts are turned into
  // alerts and due deliveries attempted (0: never in the background; tests
  // drive passes themselves), and the retry schedule.
  std::chrono::milliseconds alert_interval{2000};
  AlertDispatchOptions alert_delivery{};
  // Called after a suppression is added or lifted, so the collector
  // re-evaluates at once (VerdictService::suppressions_changed).
  std::function<void()> suppressions_changed;
};

class ConsoleServer {
 public:
  ConsoleServer(ConsoleConfig config, Store& store);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  // Opens console.db, makes the certificate and admin on first start, binds
  // and starts serving. Throws std::runtime_error naming what failed.
  void start();
  void stop();
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace telltale::server::console
