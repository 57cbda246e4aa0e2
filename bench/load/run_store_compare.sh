#!/usr/bin/env bash
# Ingest reports/s by store backend, in one run on loopback (issue 9):
#   sqlite   one collector on its embedded sqlite store (the default)
#   pg-1     one collector on PostgreSQL
#   pg-2     two collectors on the same PostgreSQL database, the agents split
#            between them (what a load balancer in front of them does)
# Each phase: SAT_AGENTS agents sending back to back (one report in flight
# each) for SAT_S seconds. A throwaway PostgreSQL server is started with
# tests/support/postgres-server (as the unprivileged telltale-test user when
# run as root) and removed afterwards.
#
#   bench/load/run_store_compare.sh [BUILD_DIR]
#   SAT_AGENTS=500 SAT_S=20 bench/load/run_store_compare.sh build
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/../.."
build="${1:-${BUILD_DIR:-$src/build}}"
build="$(cd "$build" && pwd)"
SAT_AGENTS="${SAT_AGENTS:-500}"
SAT_S="${SAT_S:-20}"
RAMP="${RAMP:-200}"
collector="$build/server/telltale-collector"
ctl="$build/server/telltale-ctl"
load="$build/bench/load/telltale-load"
for b in "$collector" "$ctl" "$load"; do
  [ -x "$b" ] || { echo "missing $b (build telltale-collector telltale-ctl telltale-load)"; exit 2; }
done

work="$(mktemp -d /tmp/telltale-store-compare-XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$src/tests/support/postgres-server" stop "$work" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 20000

cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | tail -1; }

"$src/tests/support/postgres-server" start "$work" >/dev/null
pg_url="$(cat "$work/postgres/url")"
pg_bytes() { psql "$pg_url" -Atc "SELECT pg_database_size(current_database())"; }
# CPU seconds of the PostgreSQL server: postmaster, its live backends and the reaped ones.
pg_master="$(head -1 "$(cat "$work/postgres/datadir")/db/postmaster.pid")"
pg_cpu() {
  local total
  total=$(awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15 + $16 + $17) / hz}' "/proc/$pg_master/stat")
  for c in $(ps --ppid "$pg_master" -o pid=); do
    [ -r "/proc/$c/stat" ] && total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{print t + ($14 + $15) / hz}' "/proc/$c/stat" 2>/dev/null || echo "$total")
  done
  echo "$total"
}

# start_collector NAME ARGS... → sets addr_NAME and pid_NAME
start_collector() {
  local name=$1
  shift
  mkdir -p "$work/$name"
  "$collector" --data-dir "$work/$name" --listen 127.0.0.1:0 --log-level warn --report-interval 0 "$@" \
    > "$work/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do [ -s "$work/$name/listen_address" ] && break; sleep 0.1; done
  [ -s "$work/$name/listen_address" ] || { echo "collector $name did not start:"; cat "$work/$name.log"; exit 1; }
  printf -v "addr_$name" '%s' "$(cat "$work/$name/listen_address")"
  printf -v "pid_$name" '%s' "$pid"
}

start_collector sqlite
# Collector a first: it creates the shared CA and migrates the schema b then finds.
start_collector a --store "$pg_url" --ca-dir "$work/ca" --instance a
start_collector b --store "$pg_url" --ca-dir "$work/ca" --instance b

echo "== enrolling $SAT_AGENTS devices per store (Enrollment RPC, EC P-256 CSRs)"
mkdir -p "$work/ids-sqlite" "$work/ids-pg"
cp "$work/sqlite/ca.crt" "$work/ids-sqlite/ca.crt"
cp "$work/ca/ca.crt" "$work/ids-pg/ca.crt"
t_sqlite="$("$ctl" --data-dir "$work/sqlite" token create --uses "$SAT_AGENTS" --ttl 1d | head -1)"
t_pg="$("$ctl" --data-dir "$work/a" --store "$pg_url" --ca-dir "$work/ca" token create --uses "$SAT_AGENTS" --ttl 1d \
  --address "$addr_a" | head -1)"
"$load" enroll --token "$t_sqlite" --count "$SAT_AGENTS" --out "$work/ids-sqlite" --parallel 8 > /dev/null
"$load" enroll --token "$t_pg" --count "$SAT_AGENTS" --out "$work/ids-pg" --parallel 8 > /dev/null
"$load" run --write-report "$work/report.pb" --address x --ca /dev/null --ids x > "$work/report.txt"
report_bytes="$(sed -n 's/^report bytes //p' "$work/report.txt")"

# generator TAG ADDR IDS FIRST COUNT → background pid in $gen_pid
generator() {
  "$load" run --address "$2" --ca "$3/ca.crt" --ids "$3" --first "$4" --count "$5" --interval-ms 0 \
    --duration-s "$SAT_S" --report "$work/report.pb" --ramp-per-s "$RAMP" > "$work/gen.$1.log" 2>&1 &
  gen_pid=$!
}

# phase TAG "PIDS" then generator specs "ADDR IDS FIRST COUNT"...
phase() {
  local tag=$1 cpids=$2
  shift 2
  local before_bytes gpids=() i=0 cpu0=0 cpu1=0 pg0 pg1
  pg0=$(pg_cpu)
  if [ "$tag" = sqlite ]; then before_bytes=$(du -sb "$work/sqlite" | cut -f1); else before_bytes=$(pg_bytes); fi
  for p in $cpids; do cpu0=$(awk -v a="$cpu0" -v b="$(cpu_s "$p")" 'BEGIN {print a + b}'); done
  for spec in "$@"; do
    # shellcheck disable=SC2086
    generator "$tag.$i" $spec
    gpids+=("$gen_pid")
    i=$((i + 1))
  done
  for g in "${gpids[@]}"; do wait "$g" || true; done
  for p in $cpids; do cpu1=$(awk -v a="$cpu1" -v b="$(cpu_s "$p")" 'BEGIN {print a + b}'); done
  pg1=$(pg_cpu)
  sleep 1  # the last commits land before the size is read
  local after_bytes acked=0 secs=0 p50=0 p99=0 errors=0
  if [ "$tag" = sqlite ]; then after_bytes=$(du -sb "$work/sqlite" | cut -f1); else after_bytes=$(pg_bytes); fi
  for j in $(seq 0 $((i - 1))); do
    local line
    line="$(grep '^result' "$work/gen.$tag.$j.log" || echo result)"
    acked=$((acked + $(echo "$line" | field acked || echo 0)))
    errors=$((errors + $(echo "$line" | field stream_errors || echo 0)))
    local s
    s=$(echo "$line" | field seconds)
    secs=$(awk -v a="$secs" -v b="${s:-0}" 'BEGIN {print (b > a ? b : a)}')
    [ "$j" -eq 0 ] && p50=$(echo "$line" | field p50_ms) && p99=$(echo "$line" | field p99_ms)
  done
  echo "$tag $acked $secs $p50 $p99 $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {print b - a}') $((after_bytes - before_bytes)) $errors $(awk -v a="$pg0" -v b="$pg1" 'BEGIN {print b - a}')" \
    >> "$work/results"
}

half=$((SAT_AGENTS / 2))
echo "== sqlite: 1 collector, $SAT_AGENTS agents back to back, ${SAT_S}s"
phase sqlite "$pid_sqlite" "$addr_sqlite $work/ids-sqlite 0 $SAT_AGENTS"
echo "== pg-1: 1 collector on PostgreSQL, $SAT_AGENTS agents, ${SAT_S}s"
phase pg-1 "$pid_a" "$addr_a $work/ids-pg 0 $SAT_AGENTS"
echo "== pg-2: 2 collectors on PostgreSQL, $half agents each, ${SAT_S}s"
phase pg-2 "$pid_a $pid_b" "$addr_a $work/ids-pg 0 $half" "$addr_b $work/ids-pg $half $((SAT_AGENTS - half))"

echo
echo "report: $report_bytes bytes (clean-laptop fixture snapshot, sent as a full snapshot); $(nproc) cores shared by generators, collectors and PostgreSQL"
printf "%-8s %9s %10s %8s %8s %10s %11s %9s %14s %8s\n" store acked reports/s p50_ms p99_ms "coll_cores" "cpu_ms/rep" "pg_cores" "store_B/report" errors
while read -r tag acked secs p50 p99 cpu bytes errors pgcpu; do
  rate=$(awk -v a="$acked" -v s="$secs" 'BEGIN {print (s > 0 ? a / s : 0)}')
  cores=$(awk -v c="$cpu" -v s="$secs" 'BEGIN {print (s > 0 ? c / s : 0)}')
  per_rep=$(awk -v c="$cpu" -v a="$acked" 'BEGIN {print (a > 0 ? c * 1000 / a : 0)}')
  per_b=$(awk -v b="$bytes" -v a="$acked" 'BEGIN {print (a > 0 ? b / a : 0)}')
  pgc=$(awk -v c="$pgcpu" -v s="$secs" 'BEGIN {print (s > 0 ? c / s : 0)}')
  printf "%-8s %9d %10.0f %8.1f %8.1f %10.2f %11.3f %9.2f %14.0f %8s\n" "$tag" "$acked" "$rate" "$p50" "$p99" "$cores" "$per_rep" \
    "$pgc" "$per_b" "$errors"
done < "$work/results"
echo "(coll_cores: collector CPU seconds over the window, summed over collectors; cpu_ms/rep: collector CPU per acked report, PostgreSQL's own CPU is pg_cores (server CPU seconds over the window); store_B/report: growth of the database (sqlite: data dir with WAL) per acked report)"
