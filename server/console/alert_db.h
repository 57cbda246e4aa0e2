#pragma once
// Alerts, delivery channels and the delivery outbox, kept in console.db
// (tables created here, on a connection of their own, so the console's
// users/cases code and this file change independently). docs/CONSOLE.md
// "Alerts".
//
// Invariants:
// - An alert is one saved verdict (the collector saves one only when the level
//   or indicator set changes), so (device_id, raised_unix_ms) is unique and a
//   re-scan never raises it twice.
// - Triage only moves forward: new → acknowledged → resolved (new → resolved
//   allowed); who and when are kept for each step.
// - Every alert a channel should get is a delivery row written in the same
//   transaction as the alert, so a crash between raising and delivering loses
//   nothing; a delivery ends delivered or failed (never deleted), with the
//   last error kept.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/common/sqlite.h"

namespace telltale::server::console {

struct AlertRecord {
  int64_t id = 0;
  std::string device_id;
  std::string hostname;
  int64_t raised_unix_ms = 0;  // when the verdict was evaluated (collector's clock)
  std::string kind = "verdict";
  std::string level;           // the new verdict level
  std::string previous_level;  // empty for a device's first verdict
  double score = 0;
  std::string severity;  // strongest indicator added (info … critical); the level's when none was added
  std::string why;
  std::vector<std::string> added, removed;  // indicator ids
  std::string state = "new";  // new, acknowledged, resolved
  std::string acknowledged_by;
  int64_t acknowledged_unix_ms = 0;
  std::string resolved_by;
  int64_t resolved_unix_ms = 0;
};

struct ChannelRecord {
  int64_t id = 0;
  std::string name;
  std::string kind;  // webhook, syslog, smtp
  // webhook: http(s)://…; syslog: udp://host:port or tcp://host:port;
  // smtp: smtp://host:port
  std::string url;
  std::string secret;  // webhook HMAC key (never listed)
  std::string mail_from, mail_to;
  bool starttls = false;    // smtp: require STARTTLS
  std::string ca_file;      // TLS trust for https / STARTTLS; empty: the system's
  std::string min_level = "review";  // alerts at this level or above are sent
  bool enabled = true;
  std::string created_by;
  int64_t created_unix_ms = 0;
};

struct DeliveryRecord {
  int64_t id = 0;
  int64_t alert_id = 0;  // 0: a "send test" delivery
  int64_t channel_id = 0;
  std::string state;  // pending, delivered, failed
  int attempts = 0;
  int64_t created_unix_ms = 0;
  int64_t next_attempt_unix_ms = 0;
  int64_t delivered_unix_ms = 0;
  int64_t last_attempt_unix_ms = 0;
  std::string last_error;
};

struct AlertQuery {
  std::string state;        // empty: any
  int64_t since_unix_ms = 0;  // raised at or after
  std::string device_id;    // empty: any
  size_t limit = 500;
};

bool valid_alert_state(std::string_view s);

class AlertDb {
 public:
  explicit AlertDb(const std::filesystem::path& console_db);

  // Raises the alert (false when it exists already) and, in the same
  // transaction, one pending delivery per enabled channel whose min_level it
  // reaches. `level_rank` orders levels (clean 0 … puppeteered 3).
  bool raise(AlertRecord& alert, int64_t now_ms);
  std::vector<AlertRecord> alerts(const AlertQuery& q);
  std::optional<AlertRecord> alert(int64_t id);
  std::map<std::string, int64_t> counts();  // by state
  // Moves the alert to `state` (forward only). Returns the alert after the
  // change; nullopt when unknown; throws std::invalid_argument naming the
  // refused move.
  std::optional<AlertRecord> triage(int64_t id, const std::string& state, const std::string& who, int64_t now_ms);

  // Per device: the newest verdict time already turned into alerts (or looked
  // at and found not worth one), so a scan reads only what is new.
  int64_t scanned(const std::string& device_id);
  void set_scanned(const std::string& device_id, int64_t unix_ms);

  ChannelRecord add_channel(ChannelRecord c, int64_t now_ms);
  std::vector<ChannelRecord> channels();
  std::optional<ChannelRecord> channel(int64_t id);
  bool set_channel_enabled(int64_t id, bool enabled);

  int64_t add_delivery(int64_t alert_id, int64_t channel_id, int64_t now_ms);
  // Pending deliveries whose next attempt is due, oldest first.
  std::vector<DeliveryRecord> due(int64_t now_ms, size_t limit = 100);
  std::vector<DeliveryRecord> deliveries(int64_t channel_id, size_t limit = 50);
  std::optional<DeliveryRecord> delivery(int64_t id);
  void mark_delivered(int64_t id, int64_t now_ms);
  // One failed attempt: pending again at next_attempt_unix_ms, or failed for
  // good when give_up.
  void mark_attempt_failed(int64_t id, const std::string& error, int64_t now_ms, int64_t next_attempt_unix_ms,
                           bool give_up);
  // Per channel: {pending, delivered, failed}.
  std::map<std::string, int64_t> delivery_counts(int64_t channel_id);

 private:
  std::mutex mu_;
  sqlite::Database db_;
};

int alert_level_rank(const std::string& level);  // clean 0 … puppeteered 3, -1 unknown

}  // namespace telltale::server::console
