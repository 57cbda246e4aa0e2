#include "agent/spool/spool.h"

#include <tuple>

#include "platform/common/log.h"

namespace telltale::agent {
namespace {
const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS reports (
  seq INTEGER PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,          -- snapshot, events
  bytes INTEGER NOT NULL,
  payload BLOB NOT NULL
);
-- Reports that could not be stored readable or stopped parsing: kept for a
-- person to inspect, never sent (a SpoolGap report announces each one).
CREATE TABLE IF NOT EXISTS quarantine (
  seq INTEGER PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  quarantined_ms INTEGER NOT NULL,
  reason TEXT NOT NULL,
  payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('last_seq', 0), ('gaps', 0), ('quarantined', 0);
)sql";

int64_t meta(sqlite::Database& db, const char* key) {
  auto st = db.prepare("SELECT value FROM meta WHERE key=?");
  st.bind(1, std::string_view(key));
  return st.step() ? st.int64(0) : 0;
}
}  // namespace

Spool::Spool(const std::filesystem::path& path, SpoolLimits limits, const Clock& clock)
    : db_(path), limits_(limits), clock_(clock) {
  db_.exec(kSchema);
}

uint64_t Spool::insert_locked(telltale::v1::Report& report, const std::string& payload) {
  const uint64_t seq = report.seq();
  db_.prepare("INSERT INTO reports(seq, created_ms, kind, bytes, payload) VALUES(?,?,?,?,?)")
      .bind(1, static_cast<int64_t>(seq)).bind(2, report.created_at_unix_ms())
      .bind(3, report.has_snapshot() ? "snapshot" : "events")
      .bind(4, static_cast<int64_t>(payload.size())).bind_blob(5, payload)
      .run();
  db_.prepare("UPDATE meta SET value=? WHERE key='last_seq'").bind(1, static_cast<int64_t>(seq)).run();
  return seq;
}

void Spool::quarantine_locked(uint64_t seq, int64_t created_ms, const std::string& payload, const std::string& why) {
  const int64_t now = clock_.now_unix_ms();
  db_.prepare("INSERT OR REPLACE INTO quarantine(seq, created_ms, quarantined_ms, reason, payload) VALUES(?,?,?,?,?)")
      .bind(1, static_cast<int64_t>(seq)).bind(2, created_ms).bind(3, now).bind(4, why).bind_blob(5, payload)
      .run();
  db_.prepare("DELETE FROM reports WHERE seq=?").bind(1, static_cast<int64_t>(seq)).run();
  db_.prepare("UPDATE meta SET value=value+1 WHERE key='quarantined'").run();
  db_.prepare("DELETE FROM quarantine WHERE seq NOT IN (SELECT seq FROM quarantine ORDER BY seq DESC LIMIT ?)")
      .bind(1, kMaxQuarantined)
      .run();
  // The collector would otherwise only see a hole in the seqs: it gets the
  // reason in a report of its own, exactly like a compaction gap.
  telltale::v1::Report gap_report;
  gap_report.set_seq(static_cast<uint64_t>(meta(db_, "last_seq")) + 1);
  gap_report.set_created_at_unix_ms(now);
  auto* ev = gap_report.add_events();
  ev->set_at_unix_ms(now);
  auto* gap = ev->mutable_spool_gap();
  gap->set_first_seq(seq);
  gap->set_last_seq(seq);
  gap->set_dropped_reports(1);
  gap->set_reason("report quarantined on the device: " + why);
  insert_locked(gap_report, gap_report.SerializeAsString());
  spdlog::error("event=spool_report_quarantined seq={} bytes={} gap_seq={} reason={}", seq, payload.size(),
                gap_report.seq(), log::q(why));
}

Appended Spool::store(telltale::v1::Report report) {
  Appended out;
  {
    std::lock_guard lock(mu_);
    sqlite::Transaction tx(db_);
    report.set_seq(static_cast<uint64_t>(meta(db_, "last_seq")) + 1);
    if (report.created_at_unix_ms() == 0) report.set_created_at_unix_ms(clock_.now_unix_ms());
    std::string payload = report.SerializeAsString();
    out.seq = report.seq();
    // Serialising does not refuse a string field holding invalid UTF-8 (it
    // only logs); parsing does. Check now, while the report can still be
    // set aside with a reason, rather than find an unsendable row later.
    telltale::v1::Report check;
    if (check.ParseFromString(payload)) {
      insert_locked(report, payload);
    } else {
      db_.prepare("UPDATE meta SET value=? WHERE key='last_seq'").bind(1, static_cast<int64_t>(out.seq)).run();
      quarantine_locked(out.seq, report.created_at_unix_ms(), payload,
                        "report of " + std::to_string(payload.size()) +
                            " bytes does not parse back after serialisation (a string field not valid UTF-8?)");
      out.quarantined = true;
    }
    tx.commit();
  }
  compact_if_needed();
  return out;
}

uint64_t Spool::append(telltale::v1::Report report) { return store(std::move(report)).seq; }

std::vector<telltale::v1::Report> Spool::pending(uint64_t after, size_t limit) {
  std::lock_guard lock(mu_);
  // Each pass either returns or quarantines at least one row, so this ends.
  for (;;) {
    struct Bad {
      uint64_t seq;
      int64_t created_ms;
      std::string payload;
    };
    std::vector<Bad> bad;
    std::vector<telltale::v1::Report> out;
    {
      auto st = db_.prepare("SELECT seq, created_ms, payload FROM reports WHERE seq > ? ORDER BY seq LIMIT ?");
      st.bind(1, static_cast<int64_t>(after)).bind(2, static_cast<int64_t>(limit));
      while (st.step()) {
        telltale::v1::Report r;
        std::string payload = st.blob(2);
        if (r.ParseFromString(payload) && r.seq() == static_cast<uint64_t>(st.int64(0))) out.push_back(std::move(r));
        else bad.push_back({static_cast<uint64_t>(st.int64(0)), st.int64(1), std::move(payload)});
      }
    }
    if (bad.empty()) return out;
    sqlite::Transaction tx(db_);
    for (const auto& b : bad)
      quarantine_locked(b.seq, b.created_ms, b.payload,
                        "stored payload of " + std::to_string(b.payload.size()) + " bytes does not parse as a Report");
    tx.commit();
  }
}

void Spool::acknowledge(uint64_t seq) {
  std::lock_guard lock(mu_);
  db_.prepare("DELETE FROM reports WHERE seq=?").bind(1, static_cast<int64_t>(seq)).run();
}

SpoolStats Spool::stats() {
  std::lock_guard lock(mu_);
  SpoolStats s;
  auto st = db_.prepare("SELECT count(*), coalesce(sum(bytes), 0) FROM reports");
  st.step();
  s.depth = static_cast<uint64_t>(st.int64(0));
  s.bytes = static_cast<uint64_t>(st.int64(1));
  s.last_seq = static_cast<uint64_t>(meta(db_, "last_seq"));
  s.gaps_recorded = static_cast<uint64_t>(meta(db_, "gaps"));
  s.quarantined = static_cast<uint64_t>(meta(db_, "quarantined"));
  return s;
}

void Spool::compact_if_needed() {
  std::lock_guard lock(mu_);
  int64_t bytes = 0, oldest = 0, count = 0;
  {
    auto st = db_.prepare("SELECT coalesce(sum(bytes),0), coalesce(min(created_ms),0), count(*) FROM reports");
    st.step();
    bytes = st.int64(0);
    oldest = st.int64(1);
    count = st.int64(2);
  }
  const int64_t now = clock_.now_unix_ms();
  const bool too_big = static_cast<uint64_t>(bytes) > limits_.max_bytes;
  const bool too_old = count > 0 && now - oldest > limits_.max_age_ms;
  if (!too_big && !too_old) return;

  sqlite::Transaction tx(db_);
  // Keep: the newest snapshot, every report younger than the age cap when
  // only age is exceeded, and the events of every report we drop.
  int64_t newest_snapshot = 0;
  {
    auto st = db_.prepare("SELECT coalesce(max(seq),0) FROM reports WHERE kind='snapshot'");
    st.step();
    newest_snapshot = st.int64(0);
  }
  uint64_t first = 0, last = 0, dropped = 0;
  std::vector<std::pair<int64_t, std::string>> rewrites;
  std::vector<std::tuple<uint64_t, int64_t, std::string>> unreadable;
  {
    auto st = db_.prepare("SELECT seq, created_ms, payload FROM reports WHERE kind='snapshot' AND seq < ? ORDER BY seq");
    st.bind(1, newest_snapshot);
    while (st.step()) {
      if (!too_big && now - st.int64(1) <= limits_.max_age_ms) continue;
      telltale::v1::Report r;
      uint64_t seq = static_cast<uint64_t>(st.int64(0));
      if (!r.ParseFromString(st.blob(2))) {
        // Its events cannot be saved from it: set aside, not counted as compacted.
        unreadable.emplace_back(seq, st.int64(1), st.blob(2));
        continue;
      }
      if (first == 0) first = seq;
      last = seq;
      ++dropped;
      if (r.events_size() > 0) {
        r.clear_snapshot();
        r.clear_delta();
        rewrites.emplace_back(st.int64(0), r.SerializeAsString());
      } else {
        rewrites.emplace_back(st.int64(0), std::string());
      }
    }
  }
  for (const auto& [seq, payload] : rewrites) {
    if (payload.empty()) {
      db_.prepare("DELETE FROM reports WHERE seq=?").bind(1, seq).run();
    } else {
      db_.prepare("UPDATE reports SET kind='events', bytes=?, payload=? WHERE seq=?")
          .bind(1, static_cast<int64_t>(payload.size())).bind_blob(2, payload).bind(3, seq)
          .run();
    }
  }
  for (const auto& [seq, created_ms, payload] : unreadable)
    quarantine_locked(seq, created_ms, payload,
                      "stored payload of " + std::to_string(payload.size()) + " bytes does not parse as a Report");
  if (dropped > 0) {
    // The gap travels as its own report so the collector learns of it even
    // though the dropped snapshots never arrive.
    uint64_t seq = static_cast<uint64_t>(meta(db_, "last_seq")) + 1;
    telltale::v1::Report gap_report;
    gap_report.set_seq(seq);
    gap_report.set_created_at_unix_ms(now);
    auto* ev = gap_report.add_events();
    ev->set_at_unix_ms(now);
    auto* gap = ev->mutable_spool_gap();
    gap->set_first_seq(first);
    gap->set_last_seq(last);
    gap->set_dropped_reports(dropped);
    gap->set_reason(too_big ? "spool over its byte cap while the collector was unreachable"
                            : "reports older than the spool's age cap");
    std::string payload = gap_report.SerializeAsString();
    db_.prepare("INSERT INTO reports(seq, created_ms, kind, bytes, payload) VALUES(?,?,?,?,?)")
        .bind(1, static_cast<int64_t>(seq)).bind(2, now).bind(3, "events")
        .bind(4, static_cast<int64_t>(payload.size())).bind_blob(5, payload)
        .run();
    db_.prepare("UPDATE meta SET value=? WHERE key='last_seq'").bind(1, static_cast<int64_t>(seq)).run();
    db_.prepare("UPDATE meta SET value=value+1 WHERE key='gaps'").run();
    spdlog::warn("event=spool_compacted dropped={} first_seq={} last_seq={} reason={}", dropped, first, last,
                 too_big ? "bytes" : "age");
  }
  tx.commit();
}

}  // namespace telltale::agent
