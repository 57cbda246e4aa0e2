#include "server/store/postgres_store.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "platform/common/base64url.h"
#include "platform/common/log.h"
#include "server/store/id_list.h"
#include "server/store/postgres_connection.h"
#include "server/store/postgres_ingest.h"
#include "server/store/postgres_partitions.h"
#include "server/store/postgres_revocations.h"
#include "server/store/postgres_schema.h"
#include "server/store/state_at.h"

namespace telltale::server {
namespace {

// Any constant works as long as every collector uses the same one: it
// serialises migrations when several collectors start at once.
constexpr int64_t kMigrationLockKey = 0x7e11'7a1e;

// The URL without its password, for errors and logs.
std::string redacted(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto at = url.find('@', scheme + 3);
  const auto slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

// Appends each key=value the URL does not set already.
std::string with_defaults(const std::string& url, std::span<const std::pair<const char*, const char*>> defaults) {
  std::string out = url;
  const auto query = url.find('?');
  for (const auto& [key, value] : defaults) {
    const std::string k = std::string(key) + "=";
    if (query != std::string::npos &&
        (url.find("?" + k, query) != std::string::npos || url.find("&" + k, query) != std::string::npos))
      continue;
    out += (out.find('?') == std::string::npos ? "?" : "&") + k + value;
  }
  return out;
}

// libpq waits forever by default: on a connection attempt to a host that
// accepts and never answers, and on a connection whose server vanished
// without a FIN (a partition). Either would park the ingest writer, and every
// agent's acks with it. These bound both; a parameter the operator already
// put in the URL wins. application_name lets a DBA tell Telltale's sessions
// apart in pg_stat_activity (the tests count the pool by it).
std::string with_timeouts(const std::string& url, const char* application = "telltale") {
  const std::pair<const char*, const char*> defaults[] = {
      {"connect_timeout", "10"},  {"keepalives", "1"},        {"keepalives_idle", "30"},
      {"keepalives_interval", "10"}, {"keepalives_count", "3"}, {"tcp_user_timeout", "30000"},
      {"application_name", application},
  };
  return with_defaults(url, defaults);
}

const char* kDeviceColumns =
    "device_id, hostname, platform, agent_version, identity_hash, identity_json, serial, cert_fingerprint, "
    "token_id, enrolled_ms, last_seen_ms, last_seq, reports, revoked, previous_ids, last_peer, conflicts";

DeviceRecord device_from_row(const pqxx::row& r) {
  DeviceRecord d;
  d.device_id = r[0].as<std::string>();
  d.hostname = r[1].as<std::string>();
  d.platform = r[2].as<std::string>();
  d.agent_version = r[3].as<std::string>();
  d.identity_hash = r[4].as<std::string>();
  d.identity_json = r[5].as<std::string>();
  d.serial = r[6].as<std::string>();
  d.certificate_fingerprint = r[7].as<std::string>();
  d.token_id = r[8].as<std::string>();
  d.enrolled_unix_ms = pg_int(r[9]);
  d.last_seen_unix_ms = pg_int(r[10]);
  d.last_seq = static_cast<uint64_t>(pg_int(r[11]));
  d.reports = static_cast<uint64_t>(pg_int(r[12]));
  d.revoked = pg_int(r[13]) != 0;
  d.previous_device_ids = split_ids(r[14].as<std::string>());
  d.last_peer = r[15].as<std::string>();
  d.conflicting_reports = static_cast<uint64_t>(pg_int(r[16]));
  return d;
}

StoredVerdict verdict_from_row(const pqxx::row& r) {
  return {r[0].as<std::string>(), pg_int(r[1]), r[2].as<std::string>(), r[3].as<double>(), r[4].as<std::string>()};
}

}  // namespace

namespace {
int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

bool is_postgres_url(const std::string& store) {
  return store.rfind("postgresql://", 0) == 0 || store.rfind("postgres://", 0) == 0;
}

std::string postgres_connection_url(const std::string& url) { return with_timeouts(url); }

PostgresStore::PostgresStore(const std::string& url, size_t connections, const HistoryPolicy& history)
    : url_(url), connect_url_(with_timeouts(url)), capacity_(connections), history_(history) {
  if (connections == 0 || connections > kMaxPoolSize)
    throw std::invalid_argument("PostgreSQL pool size " + std::to_string(connections) + " is outside 1.." +
                                std::to_string(kMaxPoolSize));
  migrate();
  ensure_partitions(wall_clock_ms());
}

std::unique_ptr<RevocationSignal> PostgresStore::revocation_signal() {
  try {
    return listen_for_revocations(with_timeouts(url_, "telltale-revocations"));
  } catch (const std::exception& e) {
    throw StoreUnavailable("cannot listen for revocations on " + redacted(url_) + ": " + e.what());
  }
}

PostgresStore::~PostgresStore() = default;

std::unique_ptr<PgConnection> PostgresStore::take() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < capacity_; });
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  ++open_;
  lock.unlock();
  try {
    return std::make_unique<PgConnection>(connect_url_);
  } catch (const std::exception& e) {
    {
      std::lock_guard relock(mu_);
      --open_;
    }
    cv_.notify_one();
    throw StoreUnavailable("cannot connect to " + redacted(url_) + ": " + e.what());
  }
}

void PostgresStore::give_back(std::unique_ptr<PgConnection> c) {
  {
    std::lock_guard lock(mu_);
    if (c) idle_.push_back(std::move(c));
    else --open_;
  }
  cv_.notify_one();
}

template <typename Fn>
auto PostgresStore::with_connection(Fn&& fn) {
  auto c = take();
  try {
    if constexpr (std::is_void_v<decltype(fn(*c))>) {
      fn(*c);
      give_back(std::move(c));
    } else {
      auto result = fn(*c);
      give_back(std::move(c));
      return result;
    }
  } catch (const pqxx::broken_connection& e) {
    give_back(nullptr);  // dropped; the next take() opens a fresh one
    throw StoreUnavailable(redacted(url_) + ": connection lost: " + e.what());
  } catch (const pqxx::sql_error& e) {
    // Class 57 (operator intervention: admin shutdown, crash recovery) and
    // 08 (connection exception) mean the server, not the statement, failed.
    const std::string state = e.sqlstate();
    if (state.rfind("57", 0) == 0 || state.rfind("08", 0) == 0) {
      give_back(nullptr);
      throw StoreUnavailable(redacted(url_) + ": " + e.what());
    }
    if (c && c->is_open()) give_back(std::move(c));
    else give_back(nullptr);
    // Class 53 (insufficient resources: disk full, out of memory, too many
    // connections): the server is there but cannot take the work.
    if (state.rfind("53", 0) == 0) throw StoreUnavailable(redacted(url_) + ": " + e.what(), StoreUnavailable::Cause::kExhausted);
    throw;
  } catch (...) {
    // A failed statement leaves the connection usable (its transaction was
    // rolled back by pqxx), unless the server went away mid-statement.
    if (c && c->is_open()) give_back(std::move(c));
    else give_back(nullptr);
    throw;
  }
}

void PostgresStore::ensure_partitions(int64_t now_ms) {
  const int64_t until = with_connection([&](pqxx::connection& c) { return ensure_report_partitions(c, now_ms); });
  int64_t known = partitions_until_ms_.load();
  while (known < until && !partitions_until_ms_.compare_exchange_weak(known, until)) {
  }
}

void PostgresStore::migrate() {
  with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    tx.exec("CREATE TABLE IF NOT EXISTS telltale_schema (version INTEGER NOT NULL)");
    auto r = tx.exec("SELECT COALESCE(MAX(version), 0) FROM telltale_schema");
    const int version = r[0][0].as<int>();
    if (version > kSchemaVersion)
      throw std::runtime_error(redacted(url_) + ": schema version " + std::to_string(version) +
                               " is newer than this collector understands (" + std::to_string(kSchemaVersion) +
                               "); upgrade telltale-collector");
    const auto migrations = postgres_migrations();
    static_assert(kSchemaVersion > 0);
    if (migrations.size() != static_cast<size_t>(kSchemaVersion))
      throw std::logic_error("postgres_migrations() and PostgresStore::kSchemaVersion disagree");
    for (int v = version; v < kSchemaVersion; ++v) {
      tx.exec(migrations[v]);
      tx.exec_params("INSERT INTO telltale_schema(version) VALUES($1)", v + 1);
      spdlog::info("event=schema_migrated db={} version={}", log::q(redacted(url_)), v + 1);
    }
    tx.commit();
  });
}

void PostgresStore::add_token(const TokenRecord& t) {
  with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params(
        "INSERT INTO tokens(id, secret_hash, created_ms, expires_ms, max_uses, uses, revoked, note) "
        "VALUES($1,$2,$3,$4,$5,$6,$7,$8)",
        t.id, t.secret_hash, t.created_unix_ms, t.expires_unix_ms, t.max_uses, t.uses, int64_t{t.revoked}, t.note);
    tx.commit();
  });
}

std::vector<TokenRecord> PostgresStore::tokens() {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec(
        "SELECT id, secret_hash, created_ms, expires_ms, max_uses, uses, revoked, note FROM tokens ORDER BY created_ms");
    std::vector<TokenRecord> out;
    for (const auto& row : r) {
      TokenRecord t;
      t.id = row[0].as<std::string>();
      t.secret_hash = row[1].as<std::string>();
      t.created_unix_ms = pg_int(row[2]);
      t.expires_unix_ms = pg_int(row[3]);
      t.max_uses = pg_int(row[4]);
      t.uses = pg_int(row[5]);
      t.revoked = pg_int(row[6]) != 0;
      t.note = row[7].as<std::string>();
      out.push_back(std::move(t));
    }
    return out;
  });
}

bool PostgresStore::revoke_token(const std::string& id) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("UPDATE tokens SET revoked=1 WHERE id=$1", id);
    tx.commit();
    return r.affected_rows() > 0;
  });
}

EnrollResult PostgresStore::enroll(const std::string& secret_hash, int64_t now_ms, const DeviceRecord& d) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    // One statement checks and counts the use; its row lock makes a second
    // collector's concurrent UPDATE wait and then see the new count.
    auto used = tx.exec_params(
        "UPDATE tokens SET uses=uses+1 WHERE secret_hash=$1 AND revoked=0 AND expires_ms>$2 AND uses<max_uses "
        "RETURNING id",
        secret_hash, now_ms);
    EnrollResult result;
    if (used.empty()) {
      // Why not: read after the failed update, the order SqliteStore checks in.
      auto r = tx.exec_params("SELECT expires_ms, max_uses, uses, revoked FROM tokens WHERE secret_hash=$1", secret_hash);
      if (r.empty()) return result;  // kUnknownToken, rolled back
      if (pg_int(r[0][3]) != 0) return EnrollResult{EnrollStatus::kRevokedToken, {}};
      if (pg_int(r[0][0]) <= now_ms) return EnrollResult{EnrollStatus::kExpired, {}};
      return EnrollResult{EnrollStatus::kExhausted, {}};
    }
    for (const auto& row :
         tx.exec_params("SELECT device_id FROM devices WHERE identity_hash=$1 ORDER BY enrolled_ms", d.identity_hash))
      result.previous_device_ids.push_back(row[0].as<std::string>());
    tx.exec_params(std::string("INSERT INTO devices(") + kDeviceColumns +
                       ") VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,0,0,0,0,$11,$12,0)",
                   d.device_id, d.hostname, d.platform, d.agent_version, d.identity_hash, d.identity_json, d.serial,
                   d.certificate_fingerprint, d.token_id, d.enrolled_unix_ms, join_ids(result.previous_device_ids),
                   d.last_peer);
    tx.commit();
    result.status = EnrollStatus::kOk;
    return result;
  });
}

std::optional<DeviceRecord> PostgresStore::device(const std::string& id) {
  return with_connection([&](pqxx::connection& c) -> std::optional<DeviceRecord> {
    pqxx::work tx(c);
    auto r = tx.exec_params(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE device_id=$1", id);
    if (r.empty()) return std::nullopt;
    return device_from_row(r[0]);
  });
}

std::vector<DeviceRecord> PostgresStore::devices() {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<DeviceRecord> out;
    for (const auto& row : tx.exec(std::string("SELECT ") + kDeviceColumns + " FROM devices ORDER BY enrolled_ms, device_id"))
      out.push_back(device_from_row(row));
    return out;
  });
}

bool PostgresStore::revoke_device(const std::string& id) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("UPDATE devices SET revoked=1 WHERE device_id=$1", id);
    // Delivered to every listening collector when (and only if) this commits.
    // (Payload: the device id; the channel is the schema's, see postgres_revocations.h.)
    if (r.affected_rows() > 0)
      tx.exec_params("SELECT pg_notify(left($1 || current_schema(), 63), $2)", kRevocationChannelPrefix, id);
    // The UPDATE holds the device row, so a correlation run recording this
    // device's sightings (record_hardware_sightings locks the row too) has
    // either committed before this DELETE or will find the device revoked.
    tx.exec_params("DELETE FROM hardware_sightings WHERE device_id=$1", id);
    tx.commit();
    return r.affected_rows() > 0;
  });
}

std::vector<std::string> PostgresStore::revoked_device_ids() {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<std::string> out;
    for (const auto& row : tx.exec("SELECT device_id FROM devices WHERE revoked=1 ORDER BY device_id"))
      out.push_back(row[0].as<std::string>());
    return out;
  });
}

std::vector<IngestResult> PostgresStore::ingest(std::span<const IncomingReport> batch) {
  // Two collectors whose batches lock the same devices can still collide on
  // a unique index mid-transaction; PostgreSQL then aborts one of them
  // (deadlock or serialization error) and it is safe to run it again whole.
  constexpr int kAttempts = 3;
  // Reports land in the default partition when their month has none; keep
  // the months ahead created (cheap: once a month, a week early).
  int64_t newest = 0;
  for (const auto& in : batch) newest = std::max(newest, in.received_unix_ms);
  if (newest + 7 * 86400000LL >= partitions_until_ms_.load()) {
    try {
      ensure_partitions(newest);
    } catch (const std::exception& e) {
      spdlog::warn("event=report_partitions_not_created reason={}", log::q(e.what()));
    }
  }
  for (int attempt = 1;; ++attempt) {
    try {
      return with_connection([&](PgConnection& c) {
        pqxx::work tx(c);
        auto results = ingest_batch(c, tx, batch, history_);
        tx.commit();
        return results;
      });
    } catch (const pqxx::transaction_rollback& e) {
      if (attempt < kAttempts) {
        spdlog::warn("event=ingest_retry attempt={} reason={}", attempt, log::q(e.what()));
        continue;
      }
      throw StoreUnavailable(std::string("ingest aborted ") + std::to_string(kAttempts) + " times: " + e.what());
    } catch (const StoreUnavailable&) {
      throw;
    } catch (const pqxx::failure& e) {
      // Nothing of the batch is stored; the agents keep their spools and re-send.
      throw StoreUnavailable(std::string("ingest into ") + redacted(url_) + ": " + e.what());
    }
  }
}

std::optional<telltale::v1::Snapshot> PostgresStore::latest_snapshot(const std::string& device_id) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    return load_state(tx, device_id);
  });
}

std::optional<telltale::v1::Snapshot> PostgresStore::snapshot_at(const std::string& device_id, uint64_t seq) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    return server::snapshot_at(tx, device_id, seq);
  });
}

std::vector<ReportSummary> PostgresStore::reports(const std::string& device_id, size_t limit) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<ReportSummary> out;
    for (const auto& row : tx.exec_params(
             "SELECT seq, received_ms, created_ms, kind, octet_length(payload) FROM reports WHERE device_id=$1 "
             "ORDER BY seq DESC LIMIT $2",
             device_id, static_cast<int64_t>(limit)))
      out.push_back({static_cast<uint64_t>(pg_int(row[0])), pg_int(row[1]), pg_int(row[2]), row[3].as<std::string>(),
                     static_cast<size_t>(pg_int(row[4]))});
    return out;
  });
}

std::vector<StoredEvent> PostgresStore::events(const std::string& device_id, size_t limit) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<StoredEvent> out;
    for (const auto& row : tx.exec_params(
             "SELECT seq, payload FROM events WHERE device_id=$1 ORDER BY at_ms DESC, seq DESC LIMIT $2", device_id,
             static_cast<int64_t>(limit))) {
      StoredEvent e;
      e.seq = static_cast<uint64_t>(pg_int(row[0]));
      e.event.ParseFromString(pg_bytes(row[1]));
      out.push_back(std::move(e));
    }
    return out;
  });
}

std::vector<RttPoint> PostgresStore::rtt_history(const std::string& device_id, int64_t since_ms, size_t limit) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<RttPoint> out;
    telltale::v1::Report report;
    for (const auto& row : tx.exec_params(
             "SELECT received_ms, payload FROM reports WHERE device_id=$1 AND received_ms>=$2 ORDER BY seq DESC LIMIT $3",
             device_id, since_ms, static_cast<int64_t>(limit))) {
      if (!report.ParseFromString(pg_bytes(row[1]))) continue;
      // As in SqliteStore: a delta without latency means "as before".
      const telltale::v1::Snapshot* snap = report.has_snapshot() ? &report.snapshot()
                                           : report.has_delta() ? &report.delta().changed()
                                                                : nullptr;
      if (snap == nullptr || !snap->has_latency() || snap->latency().collector().samples() == 0) continue;
      const auto& rtt = snap->latency().collector();
      out.push_back({pg_int(row[0]), rtt.samples(), rtt.median_us(), rtt.p95_us()});
    }
    std::reverse(out.begin(), out.end());
    return out;
  });
}

uint64_t PostgresStore::size_bytes() {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    return static_cast<uint64_t>(pg_int(tx.exec("SELECT pg_database_size(current_database())")[0][0]));
  });
}

void PostgresStore::save_verdict(const StoredVerdict& v) {
  with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params("INSERT INTO verdicts(device_id, evaluated_ms, level, score, json) VALUES($1,$2,$3,$4,$5)",
                   v.device_id, v.evaluated_unix_ms, v.level, v.score, v.json);
    tx.exec_params(
        "INSERT INTO latest_verdict(device_id, evaluated_ms, level, score, json) VALUES($1,$2,$3,$4,$5) "
        "ON CONFLICT (device_id) DO UPDATE SET evaluated_ms=excluded.evaluated_ms, level=excluded.level, "
        "score=excluded.score, json=excluded.json",
        v.device_id, v.evaluated_unix_ms, v.level, v.score, v.json);
    tx.commit();
  });
}

std::vector<StoredVerdict> PostgresStore::latest_verdicts() {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<StoredVerdict> out;
    for (const auto& row :
         tx.exec("SELECT device_id, evaluated_ms, level, score, json FROM latest_verdict ORDER BY device_id"))
      out.push_back(verdict_from_row(row));
    return out;
  });
}

std::vector<StoredVerdict> PostgresStore::verdict_history(const std::string& device_id, size_t limit) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<StoredVerdict> out;
    for (const auto& row : tx.exec_params(
             "SELECT device_id, evaluated_ms, level, score, json FROM verdicts WHERE device_id=$1 "
             "ORDER BY evaluated_ms DESC LIMIT $2",
             device_id, static_cast<int64_t>(limit)))
      out.push_back(verdict_from_row(row));
    return out;
  });
}

void PostgresStore::replace_clusters(const std::vector<StoredCluster>& clusters) {
  with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    // Correlation runs under a lease, but a lease can expire mid-run: the
    // table lock keeps two replacements from interleaving all the same.
    tx.exec("LOCK TABLE clusters IN EXCLUSIVE MODE");
    std::map<std::string, int64_t> first_seen;
    for (const auto& row : tx.exec("SELECT cluster_id, first_seen_ms FROM clusters"))
      first_seen[row[0].as<std::string>()] = pg_int(row[1]);
    tx.exec("DELETE FROM clusters");
    for (const auto& cl : clusters) {
      auto it = first_seen.find(cl.cluster_id);
      int64_t first = it != first_seen.end() ? std::min(it->second, cl.first_seen_unix_ms) : cl.first_seen_unix_ms;
      tx.exec_params(
          "INSERT INTO clusters(cluster_id, kind, key, members, first_seen_ms, last_seen_ms, json) "
          "VALUES($1,$2,$3,$4,$5,$6,$7)",
          cl.cluster_id, cl.kind, cl.key, join_ids(cl.members), first, cl.last_seen_unix_ms, cl.json);
    }
    tx.commit();
  });
}

std::vector<StoredCluster> PostgresStore::clusters() {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<StoredCluster> out;
    for (const auto& row : tx.exec(
             "SELECT cluster_id, kind, key, members, first_seen_ms, last_seen_ms, json FROM clusters ORDER BY cluster_id"))
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     split_ids(row[3].as<std::string>()), pg_int(row[4]), pg_int(row[5]), row[6].as<std::string>()});
    return out;
  });
}

std::vector<HardwareSightingRecord> PostgresStore::hardware_sightings(const std::string& device_id) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<HardwareSightingRecord> out;
    for (const auto& row : tx.exec_params(
             "SELECT kind, serial, fingerprint, first_seen_ms, last_seen_ms, snapshots, last_snapshot_id "
             "FROM hardware_sightings WHERE device_id=$1 "
             "ORDER BY last_seen_ms DESC, kind COLLATE \"C\", serial COLLATE \"C\", fingerprint COLLATE \"C\"",
             device_id))
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(), pg_int(row[3]),
                     pg_int(row[4]), pg_int(row[5]), pg_int(row[6])});
    return out;
  });
}

void PostgresStore::record_hardware_sightings(const std::string& device_id,
                                              const std::vector<HardwareSightingRecord>& sightings) {
  with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    // The device row lock orders this against revoke_device and against a
    // second collector recording the same device (a lease that expired
    // mid-run); NO KEY UPDATE leaves ingest's foreign-key checks unblocked.
    if (tx.exec_params("SELECT 1 FROM devices WHERE device_id=$1 AND revoked=0 FOR NO KEY UPDATE", device_id).empty())
      return;  // unknown or revoked: nothing written
    tx.exec_params("DELETE FROM hardware_sightings WHERE device_id=$1", device_id);
    for (const auto& s : sightings)
      tx.exec_params(
          "INSERT INTO hardware_sightings(device_id, kind, serial, fingerprint, first_seen_ms, last_seen_ms, "
          "snapshots, last_snapshot_id) VALUES($1,$2,$3,$4,$5,$6,$7,$8) "
          "ON CONFLICT (device_id, kind, serial, fingerprint) DO UPDATE SET "
          "first_seen_ms=LEAST(hardware_sightings.first_seen_ms, excluded.first_seen_ms), "
          "last_seen_ms=GREATEST(hardware_sightings.last_seen_ms, excluded.last_seen_ms), "
          "snapshots=GREATEST(hardware_sightings.snapshots, excluded.snapshots), "
          "last_snapshot_id=excluded.last_snapshot_id",
          device_id, s.kind, s.serial, s.fingerprint, s.first_seen_unix_ms, s.last_seen_unix_ms, s.snapshots,
          s.last_snapshot_id);
    tx.exec_params(
        "DELETE FROM hardware_sightings WHERE device_id=$1 AND (kind, serial, fingerprint) NOT IN ("
        "SELECT kind, serial, fingerprint FROM hardware_sightings WHERE device_id=$1 "
        "ORDER BY last_seen_ms DESC, kind COLLATE \"C\", serial COLLATE \"C\", fingerprint COLLATE \"C\" LIMIT $2)",
        device_id, static_cast<int64_t>(kHardwareSightingsPerDevice));
    tx.commit();
  });
}

void PostgresStore::replace_assignments(const std::vector<Assignment>& assignments) {
  with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec("DELETE FROM assignments");
    for (const auto& a : assignments)
      tx.exec_params(
          "INSERT INTO assignments(device_key, employee, email, timezone, region) VALUES($1,$2,$3,$4,$5) "
          "ON CONFLICT (device_key) DO UPDATE SET employee=excluded.employee, email=excluded.email, "
          "timezone=excluded.timezone, region=excluded.region",
          a.device_key, a.employee, a.email, a.timezone, a.region);
    tx.commit();
  });
}

std::vector<Assignment> PostgresStore::assignments() {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<Assignment> out;
    for (const auto& row :
         tx.exec("SELECT device_key, employee, email, timezone, region FROM assignments ORDER BY device_key"))
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     row[3].as<std::string>(), row[4].as<std::string>()});
    return out;
  });
}

bool PostgresStore::try_acquire_lease(const std::string& name, const std::string& holder, int64_t ttl_ms,
                                      int64_t now_ms) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    // ON CONFLICT DO UPDATE locks the row and re-checks the WHERE against
    // its newest version, so of two collectors asking at once one wins.
    auto r = tx.exec_params(
        "INSERT INTO leases(name, holder, expires_ms) VALUES($1,$2,$3) "
        "ON CONFLICT (name) DO UPDATE SET holder=excluded.holder, expires_ms=excluded.expires_ms "
        "WHERE leases.holder=excluded.holder OR leases.expires_ms<=$4",
        name, holder, now_ms + ttl_ms, now_ms);
    tx.commit();
    return r.affected_rows() > 0;
  });
}

void PostgresStore::release_lease(const std::string& name, const std::string& holder) {
  with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params("DELETE FROM leases WHERE name=$1 AND holder=$2", name, holder);
    tx.commit();
  });
}

// Presence checks (store.h, PresenceCheckRecord).
namespace {

const char* kPgPresenceColumns =
    "check_id, device_id, action, requested_by, reason, answer_seconds, requested_ms, expires_ms, delivered_ms, "
    "answered_ms, status, outcome, device_class, summary, observation_json, signed_result_b64, signature_valid";

PresenceCheckRecord pg_presence_from_row(const pqxx::row& r) {
  PresenceCheckRecord c;
  c.check_id = r[0].as<std::string>();
  c.device_id = r[1].as<std::string>();
  c.action = r[2].as<std::string>();
  c.requested_by = r[3].as<std::string>();
  c.reason = r[4].as<std::string>();
  c.answer_seconds = static_cast<uint32_t>(pg_int(r[5]));
  c.requested_unix_ms = pg_int(r[6]);
  c.expires_unix_ms = pg_int(r[7]);
  c.delivered_unix_ms = pg_int(r[8]);
  c.answered_unix_ms = pg_int(r[9]);
  c.status = r[10].as<std::string>();
  c.outcome = r[11].as<std::string>();
  c.device_class = r[12].as<std::string>();
  c.summary = r[13].as<std::string>();
  c.observation_json = r[14].as<std::string>();
  c.signed_result = base64url_decode(r[15].as<std::string>()).value_or("");
  c.signature_valid = pg_int(r[16]) != 0;
  return c;
}

}  // namespace

bool PostgresStore::add_presence_check(const PresenceCheckRecord& c) {
  return with_connection([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    auto r = tx.exec_params(
        "INSERT INTO presence_checks(check_id, device_id, action, requested_by, reason, answer_seconds, "
        "requested_ms, expires_ms, status) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (check_id) DO NOTHING",
        c.check_id, c.device_id, c.action, c.requested_by, c.reason, int64_t{c.answer_seconds}, c.requested_unix_ms,
        c.expires_unix_ms, c.status);
    tx.commit();
    return r.affected_rows() > 0;
  });
}

std::vector<PresenceCheckRecord> PostgresStore::presence_checks(const std::string& device_id, size_t limit) {
  return with_connection([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    std::vector<PresenceCheckRecord> out;
    for (const auto& row :
         tx.exec_params(std::string("SELECT ") + kPgPresenceColumns +
                            " FROM presence_checks WHERE $1='' OR device_id=$1 "
                            "ORDER BY requested_ms DESC, check_id COLLATE \"C\" LIMIT $2",
                        device_id, static_cast<int64_t>(limit)))
      out.push_back(pg_presence_from_row(row));
    return out;
  });
}

std::optional<PresenceCheckRecord> PostgresStore::presence_check(const std::string& check_id) {
  return with_connection([&](pqxx::connection& conn) -> std::optional<PresenceCheckRecord> {
    pqxx::work tx(conn);
    auto r = tx.exec_params(std::string("SELECT ") + kPgPresenceColumns + " FROM presence_checks WHERE check_id=$1",
                            check_id);
    if (r.empty()) return std::nullopt;
    return pg_presence_from_row(r[0]);
  });
}

std::vector<PresenceCheckRecord> PostgresStore::presence_checks_in(const std::string& status, size_t limit) {
  return with_connection([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    std::vector<PresenceCheckRecord> out;
    for (const auto& row : tx.exec_params(std::string("SELECT ") + kPgPresenceColumns +
                                              " FROM presence_checks WHERE status=$1 "
                                              "ORDER BY requested_ms, check_id COLLATE \"C\" LIMIT $2",
                                          status, static_cast<int64_t>(limit)))
      out.push_back(pg_presence_from_row(row));
    return out;
  });
}

bool PostgresStore::update_presence_check(const PresenceCheckRecord& c) {
  return with_connection([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    auto r = tx.exec_params(
        "UPDATE presence_checks SET delivered_ms=$1, answered_ms=$2, status=$3, outcome=$4, device_class=$5, "
        "summary=$6, observation_json=$7, signed_result_b64=$8, signature_valid=$9 WHERE check_id=$10",
        c.delivered_unix_ms, c.answered_unix_ms, c.status, c.outcome, c.device_class, c.summary, c.observation_json,
        base64url_encode(c.signed_result), int64_t{c.signature_valid}, c.check_id);
    tx.commit();
    return r.affected_rows() > 0;
  });
}

PruneResult PostgresStore::prune(const RetentionPolicy& policy, int64_t now_ms, size_t max_rows) {
  // Events, verdicts and conflicts as SqliteStore::prune does, one device per
  // transaction (the space goes back through autovacuum); history by month.
  PruneResult out;
  const auto limit = static_cast<int64_t>(max_rows);
  auto ids = with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<std::string> v;
    for (const auto& row : tx.exec("SELECT device_id FROM devices ORDER BY device_id")) v.push_back(row[0].c_str());
    return v;
  });
  auto counted = [&](uint64_t& field, const pqxx::result& r) {
    const auto n = static_cast<int64_t>(r.affected_rows());
    field += static_cast<uint64_t>(n);
    if (n >= limit) out.more = true;
  };
  // History goes a month partition at a time, once the whole month is
  // older than the window (so up to a month more than the window is kept);
  // every kept report still rebuilds (postgres_partitions.h).
  // Rows that waited in the default partition go to their months first.
  ensure_partitions(now_ms);
  if (policy.history_ms > 0) {
    auto dropped = with_connection(
        [&](pqxx::connection& c) { return drop_report_partitions_before(c, now_ms - policy.history_ms); });
    out.reports += dropped.rows;
  }
  for (const auto& id : ids) {
    with_connection([&](pqxx::connection& c) {
      pqxx::work tx(c);
      if (policy.events_ms > 0)
        counted(out.events, tx.exec_params("DELETE FROM events WHERE ctid IN "
                                           "(SELECT ctid FROM events WHERE device_id=$1 AND at_ms<$2 LIMIT $3)",
                                           id, now_ms - policy.events_ms, limit));
      if (policy.verdicts_ms > 0)
        counted(out.verdicts, tx.exec_params("DELETE FROM verdicts WHERE ctid IN (SELECT ctid FROM verdicts WHERE "
                                             "device_id=$1 AND evaluated_ms<$2 ORDER BY evaluated_ms LIMIT $3)",
                                             id, now_ms - policy.verdicts_ms, limit));
      if (policy.conflicts_ms > 0)
        counted(out.conflicts, tx.exec_params("DELETE FROM report_conflicts WHERE ctid IN (SELECT ctid FROM "
                                              "report_conflicts WHERE device_id=$1 AND received_ms<$2 LIMIT $3)",
                                              id, now_ms - policy.conflicts_ms, limit));
      tx.commit();
    });
  }
  return out;
}

OldestRows PostgresStore::oldest_rows() {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto one = [&](const char* sql) {
      auto r = tx.exec(sql);
      return r.empty() || r[0][0].is_null() ? int64_t{0} : pg_int(r[0][0]);
    };
    OldestRows o;
    o.reports_ms = one("SELECT min((SELECT received_ms FROM reports r WHERE r.device_id=d.device_id ORDER BY seq LIMIT 1)) "
                       "FROM devices d");
    o.events_ms = one("SELECT min((SELECT at_ms FROM events e WHERE e.device_id=d.device_id ORDER BY seq LIMIT 1)) "
                      "FROM devices d");
    o.verdicts_ms = one("SELECT min((SELECT evaluated_ms FROM verdicts v WHERE v.device_id=d.device_id "
                        "ORDER BY evaluated_ms LIMIT 1)) FROM devices d");
    o.conflicts_ms = one("SELECT min((SELECT received_ms FROM report_conflicts c WHERE c.device_id=d.device_id "
                         "ORDER BY seq LIMIT 1)) FROM devices d");
    return o;
  });
}

int64_t PostgresStore::add_suppression(const Suppression& s) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params1(
        "INSERT INTO suppressions(device_id, indicator_id, reason, created_by, created_ms, expires_ms) "
        "VALUES($1,$2,$3,$4,$5,$6) RETURNING id",
        s.device_id, s.indicator_id, s.reason, s.created_by, s.created_unix_ms, s.expires_unix_ms);
    tx.commit();
    return r[0].as<int64_t>();
  });
}

std::vector<Suppression> PostgresStore::suppressions() {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<Suppression> out;
    for (const auto& row : tx.exec("SELECT id, device_id, indicator_id, reason, created_by, created_ms, expires_ms, "
                                   "lifted_ms, lifted_by FROM suppressions ORDER BY id DESC"))
      out.push_back({row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<int64_t>(), row[6].as<int64_t>(),
                     row[7].as<int64_t>(), row[8].as<std::string>()});
    return out;
  });
}

bool PostgresStore::lift_suppression(int64_t id, const std::string& by, int64_t now_ms) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("UPDATE suppressions SET lifted_ms = $1, lifted_by = $2 WHERE id = $3 AND lifted_ms = 0",
                            now_ms, by, id);
    tx.commit();
    return r.affected_rows() > 0;
  });
}

}  // namespace telltale::server
