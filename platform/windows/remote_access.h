#pragma once
// Remote-access tools on Windows, by the watchlist (default_watchlist.h plus
// what the collector pushes): installed (install paths, Uninstall entries,
// services known to the Service Control Manager), running (processes by
// executable name, with their image path), listening and connected (TCP table
// rows owned by those processes).
// Services are looked up in the SCM's registry database, which also holds
// stopped and disabled ones.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/probe.h"

namespace telltale::platform::windows_probe {

struct TcpRow {
  std::string local_address;   // "ip:port"
  std::string remote_address;  // "ip:port", "" for listeners
  uint32_t local_port = 0;
  uint32_t remote_port = 0;
  bool listening = false;
  bool established = false;
  uint32_t pid = 0;
  // The row as GetExtendedTcpTable gave it (IPv4, network byte order), for
  // the per-connection statistics calls.
  uint32_t raw_local_ip4 = 0, raw_remote_ip4 = 0, raw_local_port = 0, raw_remote_port = 0;
  bool ipv4 = false;
};

// Kernel-measured round trip of a connection (TCP_ESTATS_PATH_ROD_v0).
struct TcpRtt {
  uint32_t rtt_us = 0;     // SmoothedRtt
  uint32_t rttvar_us = 0;  // RttVar
};

// GetExtendedTcpTable with owning PIDs, behind an interface: Wine reports
// every socket's owner as PID 0, so tests feed rows recorded with real owners.
class TcpTableSource {
 public:
  virtual ~TcpTableSource() = default;
  virtual std::vector<TcpRow> rows(std::string& error) = 0;
  // The round trip of one established connection: nullopt when not (yet)
  // measured; error says why a measurement was refused.
  virtual std::optional<TcpRtt> rtt(const TcpRow& row, std::string& error) { return std::nullopt; }
};

// rtt(): GetPerTcpConnectionEStats path statistics. Collection must be
// switched on per connection (SetPerTcpConnectionEStats, administrators and
// SYSTEM only); the first call switches it on, so a connection has a value
// from the collection after the one that first saw it. IPv4 only.
class SystemTcpTable final : public TcpTableSource {
 public:
  std::vector<TcpRow> rows(std::string& error) override;
  std::optional<TcpRtt> rtt(const TcpRow& row, std::string& error) override;
};

class RemoteAccessProbe final : public Probe {
 public:
  explicit RemoteAccessProbe(TcpTableSource& tcp) : tcp_(tcp) {}
  std::string_view name() const override { return "remote_access"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;

 private:
  TcpTableSource& tcp_;
};

}  // namespace telltale::platform::windows_probe
