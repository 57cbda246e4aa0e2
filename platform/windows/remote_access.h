#pragma once
// Remote-access tools on Windows, by the watchlist (default_watchlist.h plus
// what the collector pushes): installed (install paths, Uninstall entries,
// services known to the Service Control Manager), running (processes by
// executable name, with their image path), listening and connected (TCP table
// rows owned by those processes).
// Services are looked up in the SCM's registry database, which also holds
// stopped and disabled ones.
#include <cstdint>
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
};

// GetExtendedTcpTable with owning PIDs, behind an interface: Wine reports
// every socket's owner as PID 0, so tests feed rows recorded with real owners.
class TcpTableSource {
 public:
  virtual ~TcpTableSource() = default;
  virtual std::vector<TcpRow> rows(std::string& error) = 0;
};

class SystemTcpTable final : public TcpTableSource {
 public:
  std::vector<TcpRow> rows(std::string& error) override;
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
