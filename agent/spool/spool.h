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
//
// Unreadable: a report that does not survive serialisation (checked by
// parsing it back before it is stored) or a stored row that no longer parses
// (disk corruption, a bug) is moved to the quarantine table — kept for a
// person to look at, never sent and never skipped in silence: each one is
// logged (event=spool_report_quarantined), counted (SpoolStats::quarantined,
// AgentHealth.reports_quarantined) and announced to the collector by a
// SpoolGap report naming its seq. The quarantine keeps the newest
// kMaxQuarantined rows so a persistent bug cannot fill the disk.
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
  uint64_t quarantined = 0;  // reports set aside unreadable since the spool was created
};

struct Appended {
  uint64_t seq = 0;
  bool quarantined = false;  // the report could not be stored readable; a SpoolGap report says so
};

class Spool {
 public:
  Spool(const std::filesystem::path& path, SpoolLimits limits, const Clock& clock = SystemClock::instance());

  static constexpr int64_t kMaxQuarantined = 64;

  // Assigns the next seq, stores the report durably, compacts if needed.
  // A report that does not parse back after serialisation is quarantined
  // instead (Appended::quarantined) and a SpoolGap report queued after it.
  Appended store(telltale::v1::Report report);
  // store(report).seq.
  uint64_t append(telltale::v1::Report report);
  // Unacknowledged reports with seq > after, oldest first. A row that does
  // not parse is quarantined on the way (with its SpoolGap report queued),
  // never returned and never skipped in silence.
  std::vector<telltale::v1::Report> pending(uint64_t after, size_t limit);
  // The collector committed seq: forget it. Unknown seqs are ignored (a
  // duplicate ack after a reconnect).
  void acknowledge(uint64_t seq);
  SpoolStats stats();

 private:
  void compact_if_needed();
  // Callers hold mu_ and a transaction.
  uint64_t insert_locked(telltale::v1::Report& report, const std::string& payload);
  void quarantine_locked(uint64_t seq, int64_t created_ms, const std::string& payload, const std::string& why);

  std::mutex mu_;
  sqlite::Database db_;
  SpoolLimits limits_;
  const Clock& clock_;
};

}  // namespace telltale::agent
