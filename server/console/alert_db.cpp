#include "server/console/alert_db.h"

#include <stdexcept>

namespace telltale::server::console {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

constexpr const char* kAlertColumns =
    "id, device_id, hostname, raised_unix_ms, kind, level, previous_level, score, severity, why, added, removed, "
    "state, acknowledged_by, acknowledged_unix_ms, resolved_by, resolved_unix_ms";

AlertRecord alert_row(sqlite::Statement& st) {
  AlertRecord a;
  a.id = st.int64(0);
  a.device_id = st.text(1);
  a.hostname = st.text(2);
  a.raised_unix_ms = st.int64(3);
  a.kind = st.text(4);
  a.level = st.text(5);
  a.previous_level = st.text(6);
  a.score = st.real(7);
  a.severity = st.text(8);
  a.why = st.text(9);
  a.added = split(st.text(10));
  a.removed = split(st.text(11));
  a.state = st.text(12);
  a.acknowledged_by = st.text(13);
  a.acknowledged_unix_ms = st.int64(14);
  a.resolved_by = st.text(15);
  a.resolved_unix_ms = st.int64(16);
  return a;
}

constexpr const char* kChannelColumns =
    "id, name, kind, url, secret, mail_from, mail_to, starttls, ca_file, min_level, enabled, created_by, "
    "created_unix_ms";

ChannelRecord channel_row(sqlite::Statement& st) {
  ChannelRecord c;
  c.id = st.int64(0);
  c.name = st.text(1);
  c.kind = st.text(2);
  c.url = st.text(3);
  c.secret = st.text(4);
  c.mail_from = st.text(5);
  c.mail_to = st.text(6);
  c.starttls = st.int64(7) != 0;
  c.ca_file = st.text(8);
  c.min_level = st.text(9);
  c.enabled = st.int64(10) != 0;
  c.created_by = st.text(11);
  c.created_unix_ms = st.int64(12);
  return c;
}

constexpr const char* kDeliveryColumns =
    "id, alert_id, channel_id, state, attempts, created_unix_ms, next_attempt_unix_ms, delivered_unix_ms, "
    "last_attempt_unix_ms, last_error";

DeliveryRecord delivery_row(sqlite::Statement& st) {
  DeliveryRecord d;
  d.id = st.int64(0);
  d.alert_id = st.int64(1);
  d.channel_id = st.int64(2);
  d.state = st.text(3);
  d.attempts = static_cast<int>(st.int64(4));
  d.created_unix_ms = st.int64(5);
  d.next_attempt_unix_ms = st.int64(6);
  d.delivered_unix_ms = st.int64(7);
  d.last_attempt_unix_ms = st.int64(8);
  d.last_error = st.text(9);
  return d;
}

}  // namespace

bool valid_alert_state(std::string_view s) { return s == "new" || s == "acknowledged" || s == "resolved"; }

int alert_level_rank(const std::string& level) {
  if (level == "clean") return 0;
  if (level == "review") return 1;
  if (level == "suspicious") return 2;
  if (level == "puppeteered") return 3;
  return -1;
}

AlertDb::AlertDb(const std::filesystem::path& console_db) : db_(console_db) {
  // Only CREATE IF NOT EXISTS: a console.db from before alerts gains the
  // tables, nothing else changes. Deliveries are never deleted (a failing
  // channel's history is what tells an admin it fails).
  db_.exec(R"(
    CREATE TABLE IF NOT EXISTS alerts(id INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL,
      hostname TEXT NOT NULL, raised_unix_ms INTEGER NOT NULL, kind TEXT NOT NULL, level TEXT NOT NULL,
      previous_level TEXT NOT NULL, score REAL NOT NULL, severity TEXT NOT NULL, why TEXT NOT NULL,
      added TEXT NOT NULL, removed TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'new',
      acknowledged_by TEXT NOT NULL DEFAULT '', acknowledged_unix_ms INTEGER NOT NULL DEFAULT 0,
      resolved_by TEXT NOT NULL DEFAULT '', resolved_unix_ms INTEGER NOT NULL DEFAULT 0,
      UNIQUE(device_id, raised_unix_ms, kind));
    CREATE INDEX IF NOT EXISTS alerts_raised ON alerts(raised_unix_ms);
    CREATE TABLE IF NOT EXISTS alert_scan(device_id TEXT PRIMARY KEY, scanned_unix_ms INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS alert_channels(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
      kind TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL, mail_from TEXT NOT NULL, mail_to TEXT NOT NULL,
      starttls INTEGER NOT NULL, ca_file TEXT NOT NULL, min_level TEXT NOT NULL, enabled INTEGER NOT NULL,
      created_by TEXT NOT NULL, created_unix_ms INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS alert_deliveries(id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id INTEGER NOT NULL,
      channel_id INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
      created_unix_ms INTEGER NOT NULL, next_attempt_unix_ms INTEGER NOT NULL,
      delivered_unix_ms INTEGER NOT NULL DEFAULT 0, last_attempt_unix_ms INTEGER NOT NULL DEFAULT 0,
      last_error TEXT NOT NULL DEFAULT '');
    CREATE INDEX IF NOT EXISTS alert_deliveries_due ON alert_deliveries(state, next_attempt_unix_ms);
    CREATE TRIGGER IF NOT EXISTS alert_deliveries_kept BEFORE DELETE ON alert_deliveries
      BEGIN SELECT RAISE(ABORT, 'alert deliveries are kept'); END;
  )");
}

bool AlertDb::raise(AlertRecord& a, int64_t now_ms) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(db_);
  auto ins = db_.prepare(
      "INSERT OR IGNORE INTO alerts(device_id, hostname, raised_unix_ms, kind, level, previous_level, score, "
      "severity, why, added, removed) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  ins.bind(1, a.device_id).bind(2, a.hostname).bind(3, a.raised_unix_ms).bind(4, a.kind).bind(5, a.level);
  ins.bind(6, a.previous_level).bind_real(7, a.score).bind(8, a.severity).bind(9, a.why).bind(10, join(a.added));
  ins.bind(11, join(a.removed));
  ins.run();
  if (db_.changes() == 0) return false;
  a.id = sqlite3_last_insert_rowid(db_.handle());
  a.state = "new";
  auto ch = db_.prepare(std::string("SELECT ") + kChannelColumns + " FROM alert_channels WHERE enabled = 1");
  while (ch.step()) {
    auto c = channel_row(ch);
    if (alert_level_rank(a.level) < alert_level_rank(c.min_level)) continue;
    db_.prepare("INSERT INTO alert_deliveries(alert_id, channel_id, state, created_unix_ms, next_attempt_unix_ms) "
                "VALUES(?,?,'pending',?,?)")
        .bind(1, a.id)
        .bind(2, c.id)
        .bind(3, now_ms)
        .bind(4, now_ms)
        .run();
  }
  tx.commit();
  return true;
}

std::vector<AlertRecord> AlertDb::alerts(const AlertQuery& q) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kAlertColumns +
                        " FROM alerts WHERE (?1 = '' OR state = ?1) AND raised_unix_ms >= ?2 AND (?3 = '' OR "
                        "device_id = ?3) ORDER BY raised_unix_ms DESC, id DESC LIMIT ?4");
  st.bind(1, q.state).bind(2, q.since_unix_ms).bind(3, q.device_id).bind(4, static_cast<int64_t>(q.limit));
  std::vector<AlertRecord> out;
  while (st.step()) out.push_back(alert_row(st));
  return out;
}

std::optional<AlertRecord> AlertDb::alert(int64_t id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kAlertColumns + " FROM alerts WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return alert_row(st);
}

std::map<std::string, int64_t> AlertDb::counts() {
  std::lock_guard lock(mu_);
  std::map<std::string, int64_t> out{{"new", 0}, {"acknowledged", 0}, {"resolved", 0}};
  auto st = db_.prepare("SELECT state, count(*) FROM alerts GROUP BY state");
  while (st.step()) out[st.text(0)] = st.int64(1);
  return out;
}

std::optional<AlertRecord> AlertDb::triage(int64_t id, const std::string& state, const std::string& who,
                                           int64_t now_ms) {
  auto before = alert(id);
  if (!before) return std::nullopt;
  const auto rank = [](const std::string& s) { return s == "new" ? 0 : s == "acknowledged" ? 1 : 2; };
  if (!valid_alert_state(state) || rank(state) <= rank(before->state))
    throw std::invalid_argument("alert " + std::to_string(id) + " is " + before->state + "; it can move only forward (new → acknowledged → resolved), not to " + state);
  {
    std::lock_guard lock(mu_);
    if (state == "acknowledged")
      db_.prepare("UPDATE alerts SET state = 'acknowledged', acknowledged_by = ?, acknowledged_unix_ms = ? WHERE id = ?")
          .bind(1, who).bind(2, now_ms).bind(3, id).run();
    else
      // Resolving straight from new counts as acknowledging it too: someone looked.
      db_.prepare("UPDATE alerts SET state = 'resolved', resolved_by = ?1, resolved_unix_ms = ?2, "
                  "acknowledged_by = CASE acknowledged_by WHEN '' THEN ?1 ELSE acknowledged_by END, "
                  "acknowledged_unix_ms = CASE acknowledged_unix_ms WHEN 0 THEN ?2 ELSE acknowledged_unix_ms END "
                  "WHERE id = ?3")
          .bind(1, who).bind(2, now_ms).bind(3, id).run();
  }
  return alert(id);
}

int64_t AlertDb::scanned(const std::string& device_id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT scanned_unix_ms FROM alert_scan WHERE device_id = ?");
  st.bind(1, device_id);
  return st.step() ? st.int64(0) : 0;
}

void AlertDb::set_scanned(const std::string& device_id, int64_t unix_ms) {
  std::lock_guard lock(mu_);
  db_.prepare("INSERT INTO alert_scan(device_id, scanned_unix_ms) VALUES(?1, ?2) ON CONFLICT(device_id) DO UPDATE "
              "SET scanned_unix_ms = max(scanned_unix_ms, ?2)")
      .bind(1, device_id)
      .bind(2, unix_ms)
      .run();
}

ChannelRecord AlertDb::add_channel(ChannelRecord c, int64_t now_ms) {
  std::lock_guard lock(mu_);
  c.created_unix_ms = now_ms;
  db_.prepare("INSERT INTO alert_channels(name, kind, url, secret, mail_from, mail_to, starttls, ca_file, min_level, "
              "enabled, created_by, created_unix_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, c.name).bind(2, c.kind).bind(3, c.url).bind(4, c.secret).bind(5, c.mail_from).bind(6, c.mail_to)
      .bind(7, int64_t{c.starttls}).bind(8, c.ca_file).bind(9, c.min_level).bind(10, int64_t{c.enabled})
      .bind(11, c.created_by).bind(12, now_ms)
      .run();
  c.id = sqlite3_last_insert_rowid(db_.handle());
  return c;
}

std::vector<ChannelRecord> AlertDb::channels() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kChannelColumns + " FROM alert_channels ORDER BY id");
  std::vector<ChannelRecord> out;
  while (st.step()) out.push_back(channel_row(st));
  return out;
}

std::optional<ChannelRecord> AlertDb::channel(int64_t id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kChannelColumns + " FROM alert_channels WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return channel_row(st);
}

bool AlertDb::set_channel_enabled(int64_t id, bool enabled) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE alert_channels SET enabled = ? WHERE id = ?").bind(1, int64_t{enabled}).bind(2, id).run();
  return db_.changes() > 0;
}

int64_t AlertDb::add_delivery(int64_t alert_id, int64_t channel_id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.prepare("INSERT INTO alert_deliveries(alert_id, channel_id, state, created_unix_ms, next_attempt_unix_ms) "
              "VALUES(?,?,'pending',?,?)")
      .bind(1, alert_id).bind(2, channel_id).bind(3, now_ms).bind(4, now_ms)
      .run();
  return sqlite3_last_insert_rowid(db_.handle());
}

std::vector<DeliveryRecord> AlertDb::due(int64_t now_ms, size_t limit) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kDeliveryColumns +
                        " FROM alert_deliveries WHERE state = 'pending' AND next_attempt_unix_ms <= ? ORDER BY "
                        "next_attempt_unix_ms, id LIMIT ?");
  st.bind(1, now_ms).bind(2, static_cast<int64_t>(limit));
  std::vector<DeliveryRecord> out;
  while (st.step()) out.push_back(delivery_row(st));
  return out;
}

std::vector<DeliveryRecord> AlertDb::deliveries(int64_t channel_id, size_t limit) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kDeliveryColumns +
                        " FROM alert_deliveries WHERE channel_id = ? ORDER BY id DESC LIMIT ?");
  st.bind(1, channel_id).bind(2, static_cast<int64_t>(limit));
  std::vector<DeliveryRecord> out;
  while (st.step()) out.push_back(delivery_row(st));
  return out;
}

std::optional<DeliveryRecord> AlertDb::delivery(int64_t id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kDeliveryColumns + " FROM alert_deliveries WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return delivery_row(st);
}

void AlertDb::mark_delivered(int64_t id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE alert_deliveries SET state = 'delivered', attempts = attempts + 1, delivered_unix_ms = ?1, "
              "last_attempt_unix_ms = ?1 WHERE id = ?2")
      .bind(1, now_ms).bind(2, id)
      .run();
}

void AlertDb::mark_attempt_failed(int64_t id, const std::string& error, int64_t now_ms, int64_t next_attempt_unix_ms,
                                  bool give_up) {
  std::lock_guard lock(mu_);
  db_.prepare("UPDATE alert_deliveries SET state = ?1, attempts = attempts + 1, last_error = ?2, "
              "last_attempt_unix_ms = ?3, next_attempt_unix_ms = ?4 WHERE id = ?5")
      .bind(1, give_up ? "failed" : "pending").bind(2, error).bind(3, now_ms).bind(4, next_attempt_unix_ms).bind(5, id)
      .run();
}

std::map<std::string, int64_t> AlertDb::delivery_counts(int64_t channel_id) {
  std::lock_guard lock(mu_);
  std::map<std::string, int64_t> out{{"pending", 0}, {"delivered", 0}, {"failed", 0}};
  auto st = db_.prepare("SELECT state, count(*) FROM alert_deliveries WHERE channel_id = ? GROUP BY state");
  st.bind(1, channel_id);
  while (st.step()) out[st.text(0)] = st.int64(1);
  return out;
}

}  // namespace telltale::server::console
