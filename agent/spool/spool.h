#pragma once
// The agent's outbox: every report is written here before it is sent and
// deleted only when the collector acknowledged it (after its own commit).
// seq is assigned here, in the same transaction that stores the report, and
// never reused — not across restarts, not after compaction.
//
// Bounded: when the spool exceeds its byte cap or holds reports older than
// its age cap (the collector was unreachable for long), it compacts: it keeps
// the newest full snapshot and every event, drops the other snapshots, and
// records a SpoolGap event naming what was dropped — never a silent drop.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <vector>

#include "platform/common/clock.h"
#include "platform/common/sqlite.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::agent {

struct SpoolLimits {
  uint64_t max_bytes = 64ull * 1024 * 1024;
  int64_t max_age_ms = 14ll * 24 * 3600 * 1000;
};

struct SpoolStats {
  uint64_t depth = 0;
  uint64_t bytes = 0;
  uint64_t last_seq = 0;
  uint64_t gaps_recorded = 0;
};

class Spool {
 public:
  Spool(const std::filesystem::path& path, SpoolLimits limits, const Clock& clock = SystemClock::instance());

  // Assigns the next seq, stores the report durably, compacts if needed, returns the seq.
  uint64_t append(telltale::v1::Report report);
  // Unacknowledged reports with seq > after, oldest first.
  std::vector<telltale::v1::Report> pending(uint64_t after, size_t limit);
  // The collector committed seq: forget it. Unknown seqs are ignored (a
  // duplicate ack after a reconnect).
  void acknowledge(uint64_t seq);
  SpoolStats stats();

 private:
  void compact_if_needed();

  std::mutex mu_;
  sqlite::Database db_;
  SpoolLimits limits_;
  const Clock& clock_;
};

}  // namespace telltale::agent
