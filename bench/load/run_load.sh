#!/usr/bin/env bash
# Collector load, side by side with a do-nothing gRPC streaming server, in
# one run on loopback. Bounded in time: every phase has its own duration.
#
#   bench/load/run_load.sh [BUILD_DIR]
#   AGENTS="1000 5000 15000" HOLD_S=300 RAMP=100 SAT_AGENTS=1000 SAT_S=30 INTERVAL_MS=10000 bench/load/run_load.sh
#   PERF_OUT=/tmp/collector.perf …     also record a CPU profile of the collector's saturation window
#
# Phases:
#   1. enroll max(AGENTS) devices through the Enrollment RPC (real keys, CSRs)
#   2. saturation: SAT_AGENTS agents send back to back (one report in flight
#      each) for SAT_S seconds, first to the echo server, then to the collector
#   3. hold: for each N in AGENTS, N agents (spread over generator processes
#      of at most PER_PROC agents: one process may hold 20,000 files) send a
#      report every INTERVAL_MS for HOLD_S seconds to the collector;
#      collector RSS is sampled with all agents connected.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-${BUILD_DIR:-$here/../../build}}"
AGENTS="${AGENTS:-1000 5000}"
HOLD_S="${HOLD_S:-60}"
SAT_AGENTS="${SAT_AGENTS:-1000}"
SAT_S="${SAT_S:-30}"
INTERVAL_MS="${INTERVAL_MS:-10000}"
PER_PROC="${PER_PROC:-5000}"
# New connections per second per generator process. Faster ramps made TLS
# handshakes time out on 2 cores, and the half-open connections they left
# pushed the collector into EMFILE (see docs/PERFORMANCE.md).
RAMP="${RAMP:-100}"
collector="$build/server/telltale-collector"
ctl="$build/server/telltale-ctl"
load="$build/bench/load/telltale-load"
echo_server="$build/bench/load/telltale-echo-server"
for b in "$collector" "$ctl" "$load" "$echo_server"; do
  [ -x "$b" ] || { echo "missing $b (build telltale-collector telltale-ctl telltale-load telltale-echo-server)"; exit 2; }
done

work="$(mktemp -d /tmp/telltale-load-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 20000

max_n=0
for n in $AGENTS $SAT_AGENTS; do [ "$n" -gt "$max_n" ] && max_n=$n; done

# KiB of RSS and CPU seconds (user+system) of a pid.
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | tail -1; }

start_collector() {
  "$collector" --data-dir "$work/data" --listen 127.0.0.1:0 --log-level warn > "$work/collector.log" 2>&1 &
  cpid=$!
  pids+=("$cpid")
  for _ in $(seq 100); do [ -s "$work/data/listen_address" ] && break; sleep 0.1; done
  caddr="$(cat "$work/data/listen_address")"
}

start_collector
"$echo_server" --data-dir "$work/data" --listen 127.0.0.1:0 > "$work/echo.log" 2>&1 &
epid=$!
pids+=("$epid")
for _ in $(seq 100); do [ -s "$work/data/echo_address" ] && break; sleep 0.1; done
eaddr="$(cat "$work/data/echo_address")"

mkdir -p "$work/ids"
cp "$work/data/ca.crt" "$work/ids/ca.crt"
token="$("$ctl" --data-dir "$work/data" token create --uses "$max_n" --ttl 1d | head -1)"
echo "== enrolling $max_n devices (Enrollment RPC, EC P-256 CSRs)"
"$load" enroll --token "$token" --count "$max_n" --out "$work/ids" --parallel 8
"$load" run --write-report "$work/report.pb" --address x --ca /dev/null --ids x > "$work/report.txt"
report_bytes="$(sed -n 's/^report bytes //p' "$work/report.txt")"

# run_generators TARGET_ADDR N INTERVAL DURATION TAG → aggregated result line
run_generators() {
  local addr=$1 n=$2 interval=$3 duration=$4 tag=$5 procs=$(( ($2 + PER_PROC - 1) / PER_PROC )) gpids=() first=0
  for p in $(seq 0 $((procs - 1))); do
    local count=$(( n - first < PER_PROC ? n - first : PER_PROC ))
    "$load" run --address "$addr" --ca "$work/ids/ca.crt" --ids "$work/ids" --first "$first" --count "$count" \
      --interval-ms "$interval" --duration-s "$duration" --report "$work/report.pb" --ramp-per-s "$RAMP" \
      --ready-file "$work/ready.$tag.$p" > "$work/gen.$tag.$p.log" 2>&1 &
    gpids+=($!)
    first=$((first + count))
  done
  # Sample the target with everyone connected, and its CPU over the measured window.
  local target_pid=$cpid
  [ "$addr" = "$eaddr" ] && target_pid=$epid
  for _ in $(seq 1800); do
    local ready=0
    for p in $(seq 0 $((procs - 1))); do [ -e "$work/ready.$tag.$p" ] && ready=$((ready + 1)); done
    [ "$ready" -eq "$procs" ] && break
    sleep 0.1
  done
  local cpu0 rss_conn cpu1
  cpu0=$(cpu_s "$target_pid")
  # PERF_OUT=FILE: profile the collector's saturation window (where its CPU goes per report).
  if [ -n "${PERF_OUT:-}" ] && [ "$tag" = collector ]; then
    perf record -F 199 --call-graph dwarf,16384 -p "$target_pid" -o "$PERF_OUT" -- sleep $(( duration / 2 )) > "$work/perf.log" 2>&1 &
  fi
  sleep $(( duration / 2 ))
  rss_conn=$(rss_kib "$target_pid")
  local status=0
  for g in "${gpids[@]}"; do wait "$g" || status=1; done
  cpu1=$(cpu_s "$target_pid")
  local acked=0 sent=0 errors=0 p50=0 p99=0 secs=0 connected=0
  for p in $(seq 0 $((procs - 1))); do
    local line
    line="$(grep '^result' "$work/gen.$tag.$p.log" || echo "result")"
    acked=$((acked + $(echo "$line" | field acked || echo 0)))
    connected=$((connected + $(echo "$line" | field connected || echo 0)))
    errors=$((errors + $(echo "$line" | field stream_errors || echo 0)))
    secs=$(echo "$line" | field seconds)
    # Percentiles of the first process stand for all (they share the cadence).
    [ "$p" -eq 0 ] && p50=$(echo "$line" | field p50_ms) && p99=$(echo "$line" | field p99_ms)
  done
  printf "%s %s %s %s %s %s %s %s %s %s %s\n" "$tag" "$n" "$connected" "$acked" "${secs:-0}" "$p50" "$p99" "$rss_conn" \
    "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {print b - a}')" "$errors/$status" "$(rss_kib_idle "$target_pid")" >> "$work/results"
}

rss_idle=$(rss_kib "$cpid")
erss_idle=$(rss_kib "$epid")
rss_kib_idle() { if [ "$1" = "$epid" ]; then echo "$erss_idle"; else echo "$rss_idle"; fi; }
echo "== saturation: $SAT_AGENTS agents back to back, ${SAT_S}s each target"
run_generators "$eaddr" "$SAT_AGENTS" 0 "$SAT_S" echo
run_generators "$caddr" "$SAT_AGENTS" 0 "$SAT_S" collector
for n in $AGENTS; do
  echo "== hold: $n agents, one report per ${INTERVAL_MS} ms each, ${HOLD_S}s"
  run_generators "$caddr" "$n" "$INTERVAL_MS" "$HOLD_S" "hold-$n"
done

echo
echo "report: $report_bytes bytes (clean-laptop fixture snapshot); idle RSS: collector ${rss_idle} KiB, echo ${erss_idle} KiB; $(nproc) cores"
printf "%-16s %7s %9s %9s %10s %8s %8s %10s %10s %7s %9s %8s\n" phase agents connected acked reports/s p50_ms p99_ms \
  "RSS_KiB" "KiB/agent" "cores" "cpu_ms/rep" "err/exit"
while read -r tag n connected acked secs p50 p99 rss cpu err idle; do
  rate=$(awk -v a="$acked" -v s="$secs" 'BEGIN {print (s > 0 ? a / s : 0)}')
  per=$(awk -v r="$rss" -v i="$idle" -v n="$n" 'BEGIN {print (r - i) / n}')
  cores=$(awk -v c="$cpu" -v s="$secs" 'BEGIN {print (s > 0 ? c / s : 0)}')
  per_rep=$(awk -v c="$cpu" -v a="$acked" 'BEGIN {print (a > 0 ? c * 1000 / a : 0)}')
  printf "%-16s %7d %9d %9d %10.0f %8.1f %8.1f %10d %10.1f %7.2f %9.3f %8s\n" "$tag" "$n" "$connected" "$acked" "$rate" \
    "$p50" "$p99" "$rss" "$per" "$cores" "$per_rep" "$err"
done < "$work/results"
echo "(KiB/agent: target RSS with all agents connected minus its idle RSS, over agents; cores: target CPU seconds over the measured window's seconds; cpu_ms/rep: target CPU per acknowledged report)"
