// SqliteStore's presence checks (store.h, PresenceCheckRecord).
#include "server/store/sqlite_store.h"

namespace telltale::server {
namespace {

const char* kPresenceColumns =
    "check_id, device_id, action, requested_by, reason, answer_seconds, requested_ms, expires_ms, delivered_ms, "
    "answered_ms, status, outcome, device_class, summary, observation_json, signed_result, signature_valid";

PresenceCheckRecord presence_from_row(const sqlite::Statement& st) {
  PresenceCheckRecord r;
  r.check_id = st.text(0);
  r.device_id = st.text(1);
  r.action = st.text(2);
  r.requested_by = st.text(3);
  r.reason = st.text(4);
  r.answer_seconds = static_cast<uint32_t>(st.int64(5));
  r.requested_unix_ms = st.int64(6);
  r.expires_unix_ms = st.int64(7);
  r.delivered_unix_ms = st.int64(8);
  r.answered_unix_ms = st.int64(9);
  r.status = st.text(10);
  r.outcome = st.text(11);
  r.device_class = st.text(12);
  r.summary = st.text(13);
  r.observation_json = st.text(14);
  r.signed_result = st.blob(15);
  r.signature_valid = st.int64(16) != 0;
  return r;
}

}  // namespace

bool SqliteStore::add_presence_check(const PresenceCheckRecord& c) {
  std::lock_guard lock(mu_);
  db_.prepare("INSERT OR IGNORE INTO presence_checks(check_id, device_id, action, requested_by, reason, "
              "answer_seconds, requested_ms, expires_ms, status) VALUES(?,?,?,?,?,?,?,?,?)")
      .bind(1, c.check_id).bind(2, c.device_id).bind(3, c.action).bind(4, c.requested_by).bind(5, c.reason)
      .bind(6, int64_t{c.answer_seconds}).bind(7, c.requested_unix_ms).bind(8, c.expires_unix_ms).bind(9, c.status)
      .run();
  return db_.changes() > 0;
}

std::vector<PresenceCheckRecord> SqliteStore::presence_checks(const std::string& device_id, size_t limit) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kPresenceColumns +
                        " FROM presence_checks WHERE ?1='' OR device_id=?1 ORDER BY requested_ms DESC, check_id "
                        "LIMIT ?2");
  st.bind(1, device_id).bind(2, static_cast<int64_t>(limit));
  std::vector<PresenceCheckRecord> out;
  while (st.step()) out.push_back(presence_from_row(st));
  return out;
}

std::optional<PresenceCheckRecord> SqliteStore::presence_check(const std::string& check_id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kPresenceColumns + " FROM presence_checks WHERE check_id=?");
  st.bind(1, check_id);
  if (!st.step()) return std::nullopt;
  return presence_from_row(st);
}

std::vector<PresenceCheckRecord> SqliteStore::presence_checks_in(const std::string& status, size_t limit) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(std::string("SELECT ") + kPresenceColumns +
                        " FROM presence_checks WHERE status=? ORDER BY requested_ms, check_id LIMIT ?");
  st.bind(1, status).bind(2, static_cast<int64_t>(limit));
  std::vector<PresenceCheckRecord> out;
  while (st.step()) out.push_back(presence_from_row(st));
  return out;
}

bool SqliteStore::update_presence_check(const PresenceCheckRecord& c) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("UPDATE presence_checks SET delivered_ms=?, answered_ms=?, status=?, outcome=?, "
                        "device_class=?, summary=?, observation_json=?, signed_result=?, signature_valid=? "
                        "WHERE check_id=?");
  st.bind(1, c.delivered_unix_ms).bind(2, c.answered_unix_ms).bind(3, c.status).bind(4, c.outcome)
      .bind(5, c.device_class).bind(6, c.summary).bind(7, c.observation_json);
  if (c.signed_result.empty()) st.bind_null(8);
  else st.bind_blob(8, c.signed_result);
  st.bind(9, int64_t{c.signature_valid}).bind(10, c.check_id).run();
  return db_.changes() > 0;
}

}  // namespace telltale::server
