#pragma once
#include "platform/probe.h"

namespace telltale::platform::linux_probe {

// Remote-access tools from the watchlist (ctx.watchlist, else the built-in
// default): processes (proc/*/comm, exe, cmdline argv[0]), installed files,
// systemd unit files, and their TCP sockets (proc/net/tcp{,6} mapped through
// proc/PID/fd). Every process's comm, exe and cmdline is read to match, but
// only matched processes leave the laptop, and of those only pid, comm and exe.
// Kernel-measured RTT of established connections comes from NETLINK_SOCK_DIAG
// when the root is the live system "/"; a fixture root cannot answer it.
class RemoteAccessProbe final : public Probe {
 public:
  std::string_view name() const override { return "remote_access"; }
  void collect(const ProbeContext& ctx, telltale::v1::Snapshot& out) override;
};

}  // namespace telltale::platform::linux_probe
