// ConsoleDb's case history, pinned evidence and cluster members. Their own
// tables, created here on first use outside the numbered schema steps of
// console_db.cpp, so an older console.db gains them and loses nothing. Like
// notes and the audit log they are append-only (triggers refuse UPDATE and
// DELETE): a case's record is evidence someone may have to defend.
#include "server/console/console_db.h"

namespace telltale::server::console {
namespace {

constexpr const char* kSchema = R"(
  CREATE TABLE IF NOT EXISTS case_history(id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL,
    unix_ms INTEGER NOT NULL, actor TEXT NOT NULL, field TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS case_history_case ON case_history(case_id);
  CREATE TABLE IF NOT EXISTS case_evidence(id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL,
    device_id TEXT NOT NULL, unix_ms INTEGER NOT NULL, pinned_by TEXT NOT NULL, json TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS case_evidence_case ON case_evidence(case_id);
  CREATE TABLE IF NOT EXISTS case_devices(case_id INTEGER NOT NULL, device_id TEXT NOT NULL, cluster_id TEXT NOT NULL,
    PRIMARY KEY(case_id, device_id));
  CREATE INDEX IF NOT EXISTS case_devices_device ON case_devices(device_id);
  CREATE TRIGGER IF NOT EXISTS case_history_append_only_u BEFORE UPDATE ON case_history
    BEGIN SELECT RAISE(ABORT, 'case history is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS case_history_append_only_d BEFORE DELETE ON case_history
    BEGIN SELECT RAISE(ABORT, 'case history is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS case_evidence_append_only_u BEFORE UPDATE ON case_evidence
    BEGIN SELECT RAISE(ABORT, 'pinned evidence is append-only'); END;
  CREATE TRIGGER IF NOT EXISTS case_evidence_append_only_d BEFORE DELETE ON case_evidence
    BEGIN SELECT RAISE(ABORT, 'pinned evidence is append-only'); END;
)";

}  // namespace

void ConsoleDb::add_case_change(int64_t case_id, const std::string& actor, const std::string& field,
                                const std::string& before, const std::string& after, int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.exec(kSchema);
  db_.prepare("INSERT INTO case_history(case_id, unix_ms, actor, field, before, after) VALUES(?,?,?,?,?,?)")
      .bind(1, case_id).bind(2, now_ms).bind(3, actor).bind(4, field).bind(5, before).bind(6, after).run();
}

std::vector<ConsoleDb::CaseChange> ConsoleDb::case_history(int64_t case_id) {
  std::lock_guard lock(mu_);
  db_.exec(kSchema);
  std::vector<CaseChange> out;
  auto q = db_.prepare("SELECT unix_ms, actor, field, before, after FROM case_history WHERE case_id=? ORDER BY id");
  q.bind(1, case_id);
  while (q.step()) out.push_back({q.int64(0), q.text(1), q.text(2), q.text(3), q.text(4)});
  return out;
}

void ConsoleDb::pin_case_evidence(int64_t case_id, const std::string& device_id, const std::string& pinned_by,
                                  const std::string& json, int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.exec(kSchema);
  db_.prepare("INSERT INTO case_evidence(case_id, device_id, unix_ms, pinned_by, json) VALUES(?,?,?,?,?)")
      .bind(1, case_id).bind(2, device_id).bind(3, now_ms).bind(4, pinned_by).bind(5, json).run();
}

std::vector<ConsoleDb::PinnedEvidence> ConsoleDb::case_evidence(int64_t case_id) {
  std::lock_guard lock(mu_);
  db_.exec(kSchema);
  std::vector<PinnedEvidence> out;
  auto q = db_.prepare("SELECT unix_ms, pinned_by, device_id, json FROM case_evidence WHERE case_id=? ORDER BY id");
  q.bind(1, case_id);
  while (q.step()) out.push_back({q.int64(0), q.text(1), q.text(2), q.text(3)});
  return out;
}

void ConsoleDb::add_case_devices(int64_t case_id, const std::vector<std::string>& device_ids,
                                 const std::string& cluster_id) {
  std::lock_guard lock(mu_);
  db_.exec(kSchema);
  for (auto& d : device_ids)
    db_.prepare("INSERT OR IGNORE INTO case_devices(case_id, device_id, cluster_id) VALUES(?,?,?)")
        .bind(1, case_id).bind(2, d).bind(3, cluster_id).run();
}

std::vector<std::string> ConsoleDb::case_devices(int64_t case_id, const std::string& first_device) {
  std::lock_guard lock(mu_);
  db_.exec(kSchema);
  std::vector<std::string> out{first_device};
  auto q = db_.prepare("SELECT device_id FROM case_devices WHERE case_id=? ORDER BY rowid");
  q.bind(1, case_id);
  while (q.step())
    if (q.text(0) != first_device) out.push_back(q.text(0));
  return out;
}

std::string ConsoleDb::case_cluster(int64_t case_id) {
  std::lock_guard lock(mu_);
  db_.exec(kSchema);
  auto q = db_.prepare("SELECT cluster_id FROM case_devices WHERE case_id=? AND cluster_id<>'' LIMIT 1");
  q.bind(1, case_id);
  return q.step() ? q.text(0) : std::string();
}

std::vector<int64_t> ConsoleDb::cases_covering(const std::string& device_id) {
  std::lock_guard lock(mu_);
  db_.exec(kSchema);
  std::vector<int64_t> out;
  auto q = db_.prepare("SELECT case_id FROM case_devices WHERE device_id=? ORDER BY case_id DESC");
  q.bind(1, device_id);
  while (q.step()) out.push_back(q.int64(0));
  return out;
}

}  // namespace telltale::server::console
