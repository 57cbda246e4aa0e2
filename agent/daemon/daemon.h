#pragma once
// `telltale-agent run`: collects on a timer, spools, streams. Boost.Asio
// owns timers and signals on the main thread; the transport runs sessions on
// its own thread; the hotplug monitor reports from its own thread by posting
// onto the io_context, so the spool is only appended from the main thread.
#include <chrono>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/collect/watchdog.h"
#include "agent/enroll/agent_state.h"
#include "agent/spool/spool.h"
#include "platform/probe.h"

namespace telltale::agent {

struct DaemonOptions {
  StatePaths paths;
  std::filesystem::path root = "/";
  std::chrono::seconds collect_interval{300};
  std::chrono::seconds heartbeat_interval{30};
  SpoolLimits spool;
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_cap{300000};
  std::chrono::milliseconds hotplug_rescan{5000};
  std::vector<std::string> latency_anchors;
  // Tolerance before a wall-clock move against the monotonic clock is an event.
  std::chrono::seconds clock_jump_tolerance{120};
  WatchdogBudget budget;
  // Seconds after each collection at which the working set is trimmed
  // (agent/collect/working_set.h); 0: never.
  std::chrono::seconds trim_after{5};
  // One collection, delivered: stop once the collector has acknowledged
  // everything spooled, or after once_timeout (exit 1, the spool keeps it
  // for the next run). For an MDM that triggers a check-in on demand.
  bool once = false;
  // The probes to collect with; empty: this OS's live probes.
  std::function<platform::ProbeList()> make_probes;
  std::chrono::seconds once_timeout{120};
  // Where the per-user presence helper connects (agent/presence/helper_socket.h); empty: none.
  std::filesystem::path presence_socket;
};

// Runs until SIGTERM or SIGINT (Ctrl-C on a Windows console), or `stop` is
// requested (the Windows service host's stop), or --once is done. Returns
// the exit code; throws std::runtime_error for a state it cannot start from
// (not enrolled…).
int run_daemon(const DaemonOptions& options, std::stop_token stop = {});

}  // namespace telltale::agent
