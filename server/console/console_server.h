#pragma once
// The investigator console: HTTPS (its own self-signed P-256 certificate in
// data_dir/console.crt) serving the JSON API under /api/v1 and /metrics.
// Embedded in the collector; see docs/CONSOLE.md.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

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
