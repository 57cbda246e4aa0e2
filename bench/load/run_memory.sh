#!/usr/bin/env bash
# Memory per connected agent, collector vs the do-nothing echo server, each
# under both connection-memory profiles (grpc-default = before, lean = the
# collector's default), plus saturation throughput for both profiles: all in
# one run, on loopback.
#
#   bench/load/run_memory.sh [BUILD_DIR]
#   AGENTS=5000 HOLD_S=60 SAT_AGENTS=500 SAT_S=20 PROFILES="grpc-default lean" bench/load/run_memory.sh build-rel
#
# Hold phase, per profile and per server: AGENTS agents connect (RAMP per s
# per generator), each sends a report spread over the first half of the hold
# and then idles, as a laptop does between collections. The server's RSS is
# sampled at 3/4 of the hold; KiB/agent = (that RSS - the server's RSS before
# the agents came) / agents. Each server starts fresh for each phase.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-${BUILD_DIR:-$here/../../build}}"
AGENTS="${AGENTS:-5000}"
HOLD_S="${HOLD_S:-60}"
SAT_AGENTS="${SAT_AGENTS:-500}"
SAT_S="${SAT_S:-20}"
PER_PROC="${PER_PROC:-5000}"
RAMP="${RAMP:-100}"
PROFILES="${PROFILES:-grpc-default lean}"
collector="$build/server/telltale-collector"
ctl="$build/server/telltale-ctl"
load="$build/bench/load/telltale-load"
echo_server="$build/bench/load/telltale-echo-server"
for b in "$collector" "$ctl" "$load" "$echo_server"; do
  [ -x "$b" ] || { echo "missing $b (build telltale-collector telltale-ctl telltale-load telltale-echo-server)"; exit 2; }
done

work="$(mktemp -d /tmp/telltale-memory-XXXXXX)"
spid=""
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 20000

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | tail -1; }

# start_server KIND PROFILE → spid, saddr
start_server() {
  local kind=$1 profile=$2
  rm -f "$work/data/listen_address" "$work/data/echo_address"
  if [ "$kind" = collector ]; then
    "$collector" --data-dir "$work/data" --listen 127.0.0.1:0 --log-level warn --connection-memory "$profile" \
      >> "$work/collector.log" 2>&1 &
    spid=$!
    for _ in $(seq 300); do [ -s "$work/data/listen_address" ] && break; sleep 0.1; done
    saddr="$(cat "$work/data/listen_address")"
  else
    "$echo_server" --data-dir "$work/data" --listen 127.0.0.1:0 --connection-memory "$profile" >> "$work/echo.log" 2>&1 &
    spid=$!
    for _ in $(seq 300); do [ -s "$work/data/echo_address" ] && break; sleep 0.1; done
    saddr="$(cat "$work/data/echo_address")"
  fi
  sleep 1
}
stop_server() {
  kill "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  spid=""
}

# run_phase KIND PROFILE N INTERVAL_MS DURATION TAG
run_phase() {
  local kind=$1 profile=$2 n=$3 interval=$4 duration=$5 tag=$6
  local procs=$(( (n + PER_PROC - 1) / PER_PROC )) gpids=() first=0
  start_server "$kind" "$profile"
  local idle
  idle=$(rss_kib "$spid")
  for p in $(seq 0 $((procs - 1))); do
    local count=$(( n - first < PER_PROC ? n - first : PER_PROC ))
    "$load" run --address "$saddr" --ca "$work/ids/ca.crt" --ids "$work/ids" --first "$first" --count "$count" \
      --interval-ms "$interval" --duration-s "$duration" --report "$work/report.pb" --ramp-per-s "$RAMP" \
      --ready-file "$work/ready.$tag.$p" > "$work/gen.$tag.$p.log" 2>&1 &
    gpids+=($!)
    first=$((first + count))
  done
  for _ in $(seq 3000); do
    local ready=0
    for p in $(seq 0 $((procs - 1))); do [ -e "$work/ready.$tag.$p" ] && ready=$((ready + 1)); done
    [ "$ready" -eq "$procs" ] && break
    sleep 0.1
  done
  local cpu0 cpu1 rss
  cpu0=$(cpu_s "$spid")
  sleep "$(awk -v d="$duration" 'BEGIN {print d * 3 / 4}')"
  rss=$(rss_kib "$spid")
  for g in "${gpids[@]}"; do wait "$g" || true; done
  cpu1=$(cpu_s "$spid")
  stop_server
  local acked=0 connected=0 errors=0 secs=0 p50=0 p99=0
  for p in $(seq 0 $((procs - 1))); do
    local line
    line="$(grep '^result' "$work/gen.$tag.$p.log" || echo "result")"
    acked=$((acked + $(echo "$line" | field acked || echo 0)))
    connected=$((connected + $(echo "$line" | field connected || echo 0)))
    errors=$((errors + $(echo "$line" | field stream_errors || echo 0)))
    secs=$(echo "$line" | field seconds)
    [ "$p" -eq 0 ] && p50=$(echo "$line" | field p50_ms) && p99=$(echo "$line" | field p99_ms)
  done
  echo "$tag $kind $profile $n $connected $acked ${secs:-0} $p50 $p99 $idle $rss $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {print b - a}') $errors" \
    >> "$work/results"
  tail -1 "$work/results"
}

# Enroll once against the collector; the echo server serves the same CA.
start_server collector lean
mkdir -p "$work/ids"
cp "$work/data/ca.crt" "$work/ids/ca.crt"
max_n=$(( AGENTS > SAT_AGENTS ? AGENTS : SAT_AGENTS ))
token="$("$ctl" --data-dir "$work/data" token create --uses "$max_n" --ttl 1d | head -1)"
echo "== enrolling $max_n devices"
"$load" enroll --token "$token" --count "$max_n" --out "$work/ids" --parallel 8
stop_server
"$load" run --write-report "$work/report.pb" --address x --ca /dev/null --ids x > /dev/null

interval_ms=$(( HOLD_S * 1000 / 2 ))
for profile in $PROFILES; do
  for kind in echo collector; do
    echo "== hold: $AGENTS agents on $kind ($profile), ${HOLD_S}s"
    run_phase "$kind" "$profile" "$AGENTS" "$interval_ms" "$HOLD_S" "hold"
  done
done
for profile in $PROFILES; do
  for kind in echo collector; do
    echo "== saturation: $SAT_AGENTS agents back to back on $kind ($profile), ${SAT_S}s"
    run_phase "$kind" "$profile" "$SAT_AGENTS" 0 "$SAT_S" "sat"
  done
done

echo
echo "$(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-5s %-9s %-12s %7s %9s %8s %10s %8s %8s %9s %9s %9s %6s %10s %5s\n" phase server profile agents connected acked \
  reports/s p50_ms p99_ms idle_KiB RSS_KiB KiB/agent cores cpu_ms/rep err
while read -r tag kind profile n connected acked secs p50 p99 idle rss cpu err; do
  rate=$(awk -v a="$acked" -v s="$secs" 'BEGIN {print (s > 0 ? a / s : 0)}')
  per=$(awk -v r="$rss" -v i="$idle" -v n="$n" 'BEGIN {print (r - i) / n}')
  cores=$(awk -v c="$cpu" -v s="$secs" 'BEGIN {print (s > 0 ? c / s : 0)}')
  per_rep=$(awk -v c="$cpu" -v a="$acked" 'BEGIN {print (a > 0 ? c * 1000 / a : 0)}')
  printf "%-5s %-9s %-12s %7d %9d %8d %10.0f %8.1f %8.1f %9d %9d %9.1f %6.2f %10.3f %5s\n" "$tag" "$kind" "$profile" "$n" \
    "$connected" "$acked" "$rate" "$p50" "$p99" "$idle" "$rss" "$per" "$cores" "$per_rep" "$err"
done < "$work/results"
