#include "server/store/postgres_partitions.h"

#include <cstdio>
#include <set>

#include "platform/common/civil_date.h"
#include "platform/common/log.h"
#include "server/store/postgres_connection.h"
#include "server/store/postgres_ingest.h"
#include "server/store/state_at.h"
#include "telltale/v1/telemetry.pb.h"

namespace telltale::server {
namespace {

ReportPartition month(int64_t y, unsigned m) {
  ReportPartition p;
  char name[32];
  std::snprintf(name, sizeof name, "reports_y%04lldm%02u", static_cast<long long>(y), m);
  p.name = name;
  p.from_ms = days_from_civil(y, m, 1) * 86400000;
  p.to_ms = (m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1)) * 86400000;
  return p;
}

bool parse_name(const std::string& name, ReportPartition& out) {
  long long y = 0;
  unsigned m = 0;
  int used = 0;
  if (std::sscanf(name.c_str(), "reports_y%4lldm%2u%n", &y, &m, &used) != 2 || used != static_cast<int>(name.size()) ||
      m < 1 || m > 12)
    return false;
  out = month(y, m);
  return out.name == name;
}

// One lock per schema: collectors sharing a database take turns.
void lock_partitions(pqxx::work& tx) {
  tx.exec("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.telltale_report_partitions'))");
}

void create_partition(pqxx::work& tx, const ReportPartition& p) {
  const std::string bounds = " FOR VALUES FROM (" + std::to_string(p.from_ms) + ") TO (" + std::to_string(p.to_ms) +
                             ") WITH (toast_tuple_target = 128)";
  const auto in_default = tx.exec_params1(
      "SELECT count(*) FROM reports_default WHERE received_ms >= $1 AND received_ms < $2", p.from_ms, p.to_ms)[0]
                              .as<int64_t>();
  if (in_default == 0) {
    tx.exec("CREATE TABLE " + tx.quote_name(p.name) + " PARTITION OF reports" + bounds);
    return;
  }
  // Rows in the default partition for this month (written before the
  // month had its partition, or by an upgrade): PostgreSQL refuses a new
  // partition that the default's rows overlap, so they move with it.
  tx.exec("ALTER TABLE reports DETACH PARTITION reports_default");
  tx.exec("CREATE TABLE " + tx.quote_name(p.name) + " PARTITION OF reports" + bounds);
  tx.exec_params(
      "INSERT INTO reports SELECT * FROM reports_default WHERE received_ms >= $1 AND received_ms < $2", p.from_ms,
      p.to_ms);
  tx.exec_params("DELETE FROM reports_default WHERE received_ms >= $1 AND received_ms < $2", p.from_ms, p.to_ms);
  tx.exec("ALTER TABLE reports ATTACH PARTITION reports_default DEFAULT");
  spdlog::info("event=report_partition_filled partition={} rows={}", p.name, in_default);
}

}  // namespace

ReportPartition report_partition_for(int64_t unix_ms) {
  const int64_t days = unix_ms >= 0 ? unix_ms / 86400000 : (unix_ms - 86399999) / 86400000;
  const CivilDate d = civil_from_days(days);
  return month(d.year, d.month);
}

std::vector<ReportPartition> report_partitions(pqxx::work& tx) {
  std::vector<ReportPartition> out;
  for (const auto& row : tx.exec("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                 "WHERE i.inhparent = 'reports'::regclass ORDER BY c.relname")) {
    ReportPartition p;
    if (parse_name(row[0].as<std::string>(), p)) out.push_back(p);
  }
  return out;
}

int64_t ensure_report_partitions(pqxx::connection& c, int64_t now_ms, int ahead) {
  pqxx::work tx(c);
  lock_partitions(tx);
  std::vector<ReportPartition> wanted;
  ReportPartition p = report_partition_for(now_ms);
  for (int i = 0; i <= ahead; ++i) {
    wanted.push_back(p);
    p = report_partition_for(p.to_ms);
  }
  const int64_t covered_until = wanted.back().to_ms;
  auto span = tx.exec("SELECT min(received_ms), max(received_ms) FROM reports_default");
  if (!span[0][0].is_null())
    for (ReportPartition q = report_partition_for(span[0][0].as<int64_t>()); q.from_ms <= span[0][1].as<int64_t>();
         q = report_partition_for(q.to_ms))
      wanted.push_back(q);
  std::set<std::string> have;
  for (const auto& e : report_partitions(tx)) have.insert(e.name);
  for (const auto& w : wanted) {
    if (!have.insert(w.name).second) continue;
    create_partition(tx, w);
    spdlog::info("event=report_partition_created partition={}", w.name);
  }
  tx.commit();
  return covered_until;
}

DroppedReports drop_report_partitions_before(pqxx::connection& c, int64_t cutoff_ms) {
  DroppedReports out;
  std::vector<ReportPartition> expired;
  {
    pqxx::work tx(c);
    for (const auto& p : report_partitions(tx))
      if (p.to_ms <= cutoff_ms) expired.push_back(p);
  }
  for (const auto& p : expired) {
    std::vector<std::string> devices;
    {
      pqxx::work tx(c);
      for (const auto& row : tx.exec("SELECT DISTINCT device_id FROM " + tx.quote_name(p.name)))
        devices.push_back(row[0].as<std::string>());
    }
    // One device per transaction, holding its row as ingest does, so no
    // report of it is being written meanwhile.
    for (const auto& id : devices) {
      pqxx::work tx(c);
      tx.exec_params("SELECT 1 FROM devices WHERE device_id=$1 FOR UPDATE", id);
      const auto last = tx.exec_params1("SELECT max(seq) FROM " + tx.quote_name(p.name) + " WHERE device_id=$1", id)[0]
                            .as<int64_t>();
      auto next = tx.exec_params(
          "SELECT seq, payload FROM reports WHERE device_id=$1 AND seq>$2 ORDER BY seq LIMIT 1", id, last);
      if (!next.empty() && !carries_full_snapshot(pg_bytes(next[0][1]))) {
        const int64_t seq = pg_int(next[0][0]);
        auto state = snapshot_at(tx, id, static_cast<uint64_t>(seq));
        telltale::v1::Report report;
        if (state && report.ParseFromString(pg_bytes(next[0][1]))) {
          report.clear_delta();
          *report.mutable_snapshot() = std::move(*state);
          tx.exec_params("UPDATE reports SET kind='snapshot', payload=$3 WHERE device_id=$1 AND seq=$2", id, seq,
                         pqxx::binarystring(report.SerializeAsString()));
        } else {
          spdlog::warn("event=report_not_rebased device={} seq={} partition={}", id, seq, p.name);
        }
      }
      // A device silent since this month keeps its state by value.
      auto st = tx.exec_params("SELECT seq, in_report FROM device_state WHERE device_id=$1", id);
      if (!st.empty() && pg_int(st[0][1]) == 1 && pg_int(st[0][0]) <= last)
        if (auto state = load_state(tx, id))
          tx.exec_params("UPDATE device_state SET snapshot=$2, in_report=0 WHERE device_id=$1", id,
                         pqxx::binarystring(state->SerializeAsString()));
      tx.commit();
    }
    pqxx::work tx(c);
    lock_partitions(tx);
    const auto rows = tx.exec1("SELECT count(*) FROM " + tx.quote_name(p.name))[0].as<int64_t>();
    tx.exec("ALTER TABLE reports DETACH PARTITION " + tx.quote_name(p.name));
    tx.exec("DROP TABLE " + tx.quote_name(p.name));
    tx.commit();
    ++out.partitions;
    out.rows += static_cast<uint64_t>(rows);
    spdlog::info("event=report_partition_dropped partition={} rows={} devices={}", p.name, rows, devices.size());
  }
  return out;
}

}  // namespace telltale::server
