// bench-links: telltale_server_lib telltale_platform
// Bytes a store keeps per laptop per day (issue 19): one day of reports at the
// agent's default cadence (a collection every 300 s, agent/daemon/daemon.h;
// heartbeats every 30 s only feed the latency section) fed into each store,
// with the history kept as before (every full snapshot as received: the
// reference, same run) and compacted (server/store/compact_history.h).
//   idle: a docked office laptop nobody touches; only clocks, round trips
//         and agent health move.
//   busy: the same laptop typed on all day, a USB stick plugged and pulled
//         every hour (with the agent's hot-plug events between collections),
//         a monitor docked in the morning and undocked at night, a flight
//         through three time zones, a two-hour remote session.
// The base snapshot is a real collection of tests/fixtures/docked-office-laptop.
// PostgreSQL is measured when TELLTALE_BENCH_POSTGRES names a server URL
// (bench/run_history_storage.sh starts a throwaway one). Figures:
// docs/PERFORMANCE.md, "Stored history per laptop per day (issue 19)".
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "platform/common/log.h"
#include "platform/linux/probes.h"
#include "server/store/postgres_store.h"
#include "server/store/sqlite_store.h"

namespace {

using telltale::server::HistoryPolicy;
using telltale::server::IncomingReport;
using telltale::server::Store;
namespace v1 = telltale::v1;

constexpr int kLaptops = 10;          // per run, so page granularity averages out
constexpr int kReportsPerDay = 288;   // 24 h / 300 s
constexpr int64_t kInterval = 300'000;
constexpr int64_t kDayStart = 1'780'000'000'000;

v1::Snapshot base_snapshot() {
  static const v1::Snapshot snap = [] {
    telltale::platform::ProbeContext ctx;
    ctx.root = std::filesystem::path(TELLTALE_SOURCE_DIR) / "tests/fixtures/docked-office-laptop";
    v1::Snapshot s;
    for (auto& p : telltale::platform::linux_probe::make_all()) p->collect(ctx, s);
    s.set_agent_version("0.9.0");
    s.set_platform("linux");
    return s;
  }();
  return snap;
}

// What moves on every collection of any laptop.
void tick_volatile(v1::Snapshot& s, int i, int laptop) {
  const int64_t now = kDayStart + i * kInterval + laptop * 997;
  s.set_collected_at_unix_ms(now);
  s.mutable_time()->set_agent_clock_unix_ms(now + 40);
  auto* h = s.mutable_health();
  h->set_version("0.9.0");
  h->set_rss_bytes(14'000'000 + static_cast<uint64_t>((i * 37 + laptop) % 50) * 4096);
  h->set_cpu_percent(0.05 + 0.01 * ((i + laptop) % 9));
  h->set_collect_cpu_ms(11.0 + (i % 13) * 0.25);
  h->set_started_at_unix_ms(kDayStart - 3'600'000);
  auto* rtt = s.mutable_latency()->mutable_collector();
  rtt->set_samples(10);
  rtt->set_median_us(21'000 + static_cast<uint32_t>((i * 7 + laptop) % 40) * 50);
  rtt->set_p95_us(rtt->median_us() + 4'000 + static_cast<uint32_t>(i % 11) * 100);
  s.mutable_latency()->set_window_seconds(300);
}

struct DayReport {
  v1::Report report;
  int64_t received_ms;
};

std::vector<DayReport> idle_day(int laptop) {
  std::vector<DayReport> out;
  auto s = base_snapshot();
  for (int i = 0; i < kReportsPerDay; ++i) {
    tick_volatile(s, i, laptop);
    DayReport r;
    r.report.set_seq(static_cast<uint64_t>(i + 1));
    r.report.set_created_at_unix_ms(s.collected_at_unix_ms());
    *r.report.mutable_snapshot() = s;
    r.received_ms = s.collected_at_unix_ms() + 30;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<DayReport> busy_day(int laptop) {
  std::vector<DayReport> out;
  const auto base = base_snapshot();
  uint64_t seq = 0;
  const char* zones[] = {"America/New_York", "Europe/London", "Asia/Dubai", "Asia/Tokyo"};
  const int offsets[] = {-5 * 3600, 0, 4 * 3600, 9 * 3600};
  for (int i = 0; i < kReportsPerDay; ++i) {
    auto s = base;
    tick_volatile(s, i, laptop);
    const int64_t now = s.collected_at_unix_ms();
    // Travelling: a zone change every 6 hours.
    const int leg = i / 72;
    s.mutable_time()->set_iana_zone(zones[leg]);
    s.mutable_time()->set_utc_offset_seconds(offsets[leg]);
    for (int l = 1; l <= leg; ++l) {
      auto* c = s.mutable_time()->add_changes();
      c->set_from_zone(zones[l - 1]);
      c->set_to_zone(zones[l]);
      c->set_from_offset_seconds(offsets[l - 1]);
      c->set_to_offset_seconds(offsets[l]);
      c->set_at_unix_ms(kDayStart + l * 72 * kInterval);
    }
    // Hot-plugging: a USB stick in for the first half of every hour.
    const bool stick_in = (i % 12) < 6;
    if (stick_in) {
      auto* u = s.add_usb_devices();
      u->set_port_path("3-2");
      u->set_vendor_id(0x0781);
      u->set_product_id(0x5583);
      u->set_manufacturer("SanDisk");
      u->set_product("Ultra Fit");
      u->set_serial("4C530001230512" + std::to_string(100 + laptop));
      u->set_usb_version("3.20");
    }
    // Docked to a monitor from 08:00 to 18:00 (the fixture's own displays otherwise).
    if (i >= 96 && i < 216 && s.displays_size() > 0) {
      auto extra = s.displays(0);
      extra.set_connector("card0-DP-3");
      s.add_displays()->CopyFrom(extra);
    }
    // A remote session from 14:00 to 16:00.
    if (i >= 168 && i < 192) {
      auto* t = s.add_remote_access();
      t->set_tool_id("remote.anydesk");
      t->set_name("AnyDesk");
      t->set_installed(true);
      t->set_running(true);
      t->set_connected(true);
      t->add_listening_ports(7070);
    }
    // Typed on: four 15-minute buckets per input device, counts moving.
    auto* ia = s.mutable_input_activity();
    for (int d = 0; d < 2; ++d) {
      auto* dev = ia->add_devices();
      dev->set_device(d == 0 ? "AT Translated Set 2 keyboard" : "SYNA8004:00 06CB:CD8B Touchpad");
      dev->set_event_node(d == 0 ? "event3" : "event7");
      for (int b = 0; b < 4; ++b) {
        auto* bucket = dev->add_buckets();
        bucket->set_start_unix((now / 1000) - (now / 1000) % 900 - b * 900);
        bucket->set_key_events(d == 0 ? static_cast<uint64_t>(200 + (i * 31 + b * 7) % 900) : 0);
        bucket->set_pointer_events(d == 1 ? static_cast<uint64_t>(500 + (i * 17 + b) % 3000) : 0);
      }
      if (d == 0) {
        for (uint32_t bound : {50u, 100u, 200u, 400u, 800u}) dev->mutable_inter_key_ms()->add_bounds_ms(bound);
        for (int k = 0; k < 6; ++k) dev->mutable_inter_key_ms()->add_counts(static_cast<uint64_t>((i * 13 + k * 29) % 400));
      }
    }
    DayReport r;
    r.report.set_seq(++seq);
    r.report.set_created_at_unix_ms(now);
    *r.report.mutable_snapshot() = s;
    r.received_ms = now + 30;
    out.push_back(std::move(r));
    // The agent's hot-plug report between two collections (plug at :00, pull at :30).
    if ((i % 12) == 5 || (i % 12) == 11) {
      DayReport ev;
      ev.report.set_seq(++seq);
      ev.report.set_created_at_unix_ms(now + 120'000);
      auto* e = ev.report.add_events();
      e->set_at_unix_ms(now + 120'000);
      e->mutable_usb()->set_added((i % 12) == 11);
      e->mutable_usb()->set_port_path("3-2");
      e->mutable_usb()->set_vendor_id(0x0781);
      e->mutable_usb()->set_product_id(0x5583);
      e->mutable_usb()->set_product("Ultra Fit");
      ev.received_ms = now + 120'030;
      out.push_back(std::move(ev));
    }
  }
  return out;
}

void enroll(Store& store, const std::string& id) {
  telltale::server::TokenRecord t;
  t.id = "tok-" + id;
  t.secret_hash = "hash-" + id;
  t.expires_unix_ms = int64_t{1} << 50;
  t.max_uses = 1;
  store.add_token(t);
  telltale::server::DeviceRecord d;
  d.device_id = id;
  d.hostname = "laptop-" + id;
  d.identity_hash = "hw-" + id;
  store.enroll(t.secret_hash, 1, d);
}

// Feeds every laptop's day in collection order (one batch per 5-minute tick,
// as the collector's group commit would) and returns the report count.
size_t feed(Store& store, bool busy) {
  std::vector<std::vector<DayReport>> days;
  std::vector<std::string> ids;
  for (int l = 0; l < kLaptops; ++l) {
    ids.push_back("laptop-" + std::to_string(l));
    enroll(store, ids.back());
    days.push_back(busy ? busy_day(l) : idle_day(l));
  }
  size_t total = 0;
  std::vector<size_t> next(kLaptops, 0);
  for (int tick = 0; tick < kReportsPerDay; ++tick) {
    const int64_t until = kDayStart + (tick + 1) * kInterval;
    std::vector<IncomingReport> batch;
    for (int l = 0; l < kLaptops; ++l)
      while (next[l] < days[l].size() && days[l][next[l]].received_ms < until) {
        const auto& d = days[l][next[l]++];
        batch.push_back({ids[l], "ipv4:10.0.0.1:5000", d.received_ms, &d.report});
      }
    for (const auto& r : store.ingest(batch))
      if (r.outcome != telltale::server::IngestOutcome::kStored) throw std::runtime_error("report not stored");
    total += batch.size();
  }
  return total;
}

// Microseconds to rebuild the day's last report of laptop-0 (the longest
// delta chain), the console's timeline/diff cost per report.
double rebuild_us(Store& store, uint64_t seq) {
  const auto start = std::chrono::steady_clock::now();
  constexpr int kRounds = 20;
  for (int i = 0; i < kRounds; ++i) benchmark::DoNotOptimize(store.snapshot_at("laptop-0", seq));
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / kRounds;
}

int64_t sqlite_used_bytes(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  auto one = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  };
  const int64_t used = (one("PRAGMA page_count") - one("PRAGMA freelist_count")) * one("PRAGMA page_size");
  sqlite3_close(db);
  return used;
}

void BM_StoredPerLaptopDay_Sqlite(benchmark::State& state, bool busy, bool compact) {
  int64_t bytes = 0, fulls = 0;
  size_t reports = 0;
  double rebuild = 0;
  for (auto _ : state) {
    const auto dir = std::filesystem::temp_directory_path() / ("telltale-history-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto path = dir / "store.db";
    HistoryPolicy policy;
    policy.compact = compact;
    int64_t before = 0;
    {
      telltale::server::SqliteStore store(path, policy);
      before = sqlite_used_bytes(path);
      reports = feed(store, busy);
      rebuild = rebuild_us(store, store.device("laptop-0")->last_seq);
    }
    bytes = sqlite_used_bytes(path) - before;
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM reports WHERE kind='snapshot'", -1, &st, nullptr);
    if (sqlite3_step(st) == SQLITE_ROW) fulls = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    std::filesystem::remove_all(dir);
  }
  state.counters["full_snapshots_per_laptop_day"] = static_cast<double>(fulls) / kLaptops;
  state.counters["bytes_per_laptop_day"] = static_cast<double>(bytes) / kLaptops;
  state.counters["reports_per_laptop_day"] = static_cast<double>(reports) / kLaptops;
  state.counters["rebuild_last_us"] = rebuild;
}

// Every table of the schema (with its indexes and TOAST) but device_state:
// that is one row per laptop, overwritten at each report, whose old row
// versions autovacuum reclaims and the next updates reuse — a fixed cost per
// laptop (reported as state_bytes_per_laptop), not history that grows each day.
int64_t pg_schema_bytes(const std::string& server, const std::string& schema, bool state_only = false) {
  pqxx::connection c(server);
  pqxx::nontransaction tx(c);
  return tx.exec_params(
               "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
               "JOIN pg_namespace n ON n.oid=c.relnamespace WHERE n.nspname=$1 AND c.relkind='r' "
               "AND (c.relname='device_state') = $2",
               schema, state_only)[0][0]
      .as<int64_t>();
}

void BM_StoredPerLaptopDay_Postgres(benchmark::State& state, bool busy, bool compact) {
  const char* server = std::getenv("TELLTALE_BENCH_POSTGRES");
  if (server == nullptr || *server == '\0') {
    state.SkipWithError("TELLTALE_BENCH_POSTGRES unset (bench/run_history_storage.sh sets it)");
    return;
  }
  int64_t bytes = 0, state_bytes = 0, fulls = 0;
  size_t reports = 0;
  double rebuild = 0;
  for (auto _ : state) {
    const std::string schema = "history_bench_" + std::to_string(::getpid());
    {
      pqxx::connection c(server);
      pqxx::nontransaction tx(c);
      tx.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    }
    HistoryPolicy policy;
    policy.compact = compact;
    {
      telltale::server::PostgresStore store(std::string(server) + "?options=-csearch_path%3D" + schema, 4, policy);
      const int64_t before = pg_schema_bytes(server, schema);
      reports = feed(store, busy);
      rebuild = rebuild_us(store, store.device("laptop-0")->last_seq);
      bytes = pg_schema_bytes(server, schema) - before;
      pqxx::connection c(server);
      pqxx::nontransaction tx(c);
      tx.exec("VACUUM " + schema + ".device_state");
      state_bytes = pg_schema_bytes(server, schema, true);
      fulls = tx.exec("SELECT count(*) FROM " + schema + ".reports WHERE kind='snapshot'")[0][0].as<int64_t>();
    }
    pqxx::connection c(server);
    pqxx::nontransaction tx(c);
    tx.exec("DROP SCHEMA " + schema + " CASCADE");
  }
  state.counters["full_snapshots_per_laptop_day"] = static_cast<double>(fulls) / kLaptops;
  state.counters["state_bytes_per_laptop"] = static_cast<double>(state_bytes) / kLaptops;
  state.counters["bytes_per_laptop_day"] = static_cast<double>(bytes) / kLaptops;
  state.counters["reports_per_laptop_day"] = static_cast<double>(reports) / kLaptops;
  state.counters["rebuild_last_us"] = rebuild;
}

[[maybe_unused]] const bool registered = [] {
  spdlog::set_level(spdlog::level::warn);
  for (bool busy : {false, true})
    for (bool compact : {false, true}) {
      const std::string name = std::string(busy ? "Busy" : "Idle") + (compact ? "/compact" : "/full_snapshots_reference");
      benchmark::RegisterBenchmark(("BM_StoredPerLaptopDay_Sqlite/" + name).c_str(), BM_StoredPerLaptopDay_Sqlite, busy,
                                   compact)
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("BM_StoredPerLaptopDay_Postgres/" + name).c_str(), BM_StoredPerLaptopDay_Postgres,
                                   busy, compact)
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
    }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
