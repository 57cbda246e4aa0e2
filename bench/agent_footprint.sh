#!/usr/bin/env bash
# Agent footprint (issue 8), measured in one run next to lshw, hwinfo and
# inxi collecting the same inventory from the same machine.
#
#   bench/agent_footprint.sh [BUILD_DIR]
#   CYCLES_S=60 STEADY_S=300 bench/agent_footprint.sh build
#
# 1. binary size of telltale-agent (as built and stripped)
# 2. CPU per collection cycle: `telltale-agent run --root /` against a local
#    collector with --collect-interval 1 for CYCLES_S seconds; CPU time of the
#    process over the number of collections it logged (collect + spool + send)
# 3. steady state at the default intervals (collect 300 s, heartbeat 30 s):
#    RSS after STEADY_S seconds and average CPU share of one core over them
# 4. the references: each run once, GNU time's max RSS and user+sys CPU
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-${BUILD_DIR:-$here/../build}}"
CYCLES_S="${CYCLES_S:-60}"
STEADY_S="${STEADY_S:-300}"
agent="$build/agent/telltale-agent"
collector="$build/server/telltale-collector"
ctl="$build/server/telltale-ctl"
for b in "$agent" "$collector" "$ctl"; do [ -x "$b" ] || { echo "missing $b"; exit 2; }; done

work="$(mktemp -d /tmp/telltale-footprint-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
hz=$(getconf CLK_TCK)
cpu_s() { awk -v hz="$hz" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# The collector pushes its collect interval to agents, so each phase gets a
# collector of its own: one at 1 s, one at the defaults.
start_collector() {
  "$collector" --data-dir "$work/$1" --listen 127.0.0.1:0 --log-level warn "${@:2}" > "$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/$1/listen_address" ] && break; sleep 0.1; done
  token="$("$ctl" --data-dir "$work/$1" token create --uses 1 | head -1)"
}

size=$(stat -c %s "$agent")
strip -o "$work/agent.stripped" "$agent"
stripped=$(stat -c %s "$work/agent.stripped")

# PRIVATE_LIBS=1 (default): the agent runs on its own copies of its shared
# libraries. On this build machine collectors, tests and the benchmark's own
# collector map the same libgrpc/libprotobuf/libcrypto, and the kernel
# neither counts nor reclaims pages another process maps, so the agent's
# resident set would say more about its neighbours than about the agent. A
# laptop has no other user of libgrpc or libprotobuf; libc and libcrypto are
# shared with other programs there, so this is an upper bound for it.
PRIVATE_LIBS="${PRIVATE_LIBS:-1}"
agent_env=()
if [ "$PRIVATE_LIBS" = 1 ]; then
  mkdir -p "$work/lib"
  for l in $(ldd "$agent" | awk '/=>/ {print $3}'); do cp -L "$l" "$work/lib/"; done
  agent_env=(env LD_LIBRARY_PATH="$work/lib")
fi

# agent_run STATE_DIR EXTRA_ARGS… : enrolls once, starts `run`, echoes its pid
agent_run() {
  local dir=$1
  shift
  "$agent" enroll --token "$token" --state-dir "$dir" --root / > "$dir.enroll.log" 2>&1
  "${agent_env[@]}" "$agent" run --state-dir "$dir" --root / "$@" > "$dir.log" 2>&1 &
  echo $!
}
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }

echo "== CPU per collection cycle (--collect-interval 1, ${CYCLES_S}s)"
start_collector fast-collector --collect-interval 1
fast=$(agent_run "$work/fast" --collect-interval 1 --heartbeat-interval 30 --log-level info)
pids+=("$fast")
sleep 3  # past start-up (TLS, first session)
c0=$(cpu_s "$fast")
n0=$(grep -c "event=collected" "$work/fast.log" || true)
sleep "$CYCLES_S"
c1=$(cpu_s "$fast")
n1=$(grep -c "event=collected" "$work/fast.log" || true)
fast_rss=$(rss_kib "$fast")
kill "$fast"
cycles=$((n1 - n0))
per_cycle_ms=$(awk -v a="$c0" -v b="$c1" -v n="$cycles" 'BEGIN {print (n > 0 ? (b - a) * 1000 / n : -1)}')

echo "== steady state at default intervals (${STEADY_S}s)"
start_collector slow-collector
slow=$(agent_run "$work/slow" --log-level info)
pids+=("$slow")
sleep 3
s0=$(cpu_s "$slow")
# RSS and PSS every 10 s across the window: between collections the agent
# trims its working set, heartbeats fault a little back in.
: > "$work/rss.samples"
end=$(( $(date +%s) + STEADY_S ))
while [ "$(date +%s)" -lt "$end" ]; do
  echo "$(rss_kib "$slow") $(pss_kib "$slow")" >> "$work/rss.samples"
  sleep 10
done
s1=$(cpu_s "$slow")
steady_rss=$(rss_kib "$slow")
rss_stats=$(sort -n "$work/rss.samples" | awk '{r[NR]=$1; p+=$2} END {printf "median %d KiB, min %d, max %d over %d samples; mean PSS %d KiB", r[int((NR+1)/2)], r[1], r[NR], NR, p/NR}')
steady_hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$slow/status")
steady_pct=$(awk -v a="$s0" -v b="$s1" -v t="$STEADY_S" 'BEGIN {print (b - a) * 100 / t}')
# At the default cadence the hourly average is one collection per 300 s plus
# the idle cost (heartbeats, timers) measured above.
hour_pct=$(awk -v a="$s0" -v b="$s1" -v t="$STEADY_S" -v c="$per_cycle_ms" \
  'BEGIN {print ((b - a) / t + (t < 300 ? c / 1000 / 300 : 0)) * 100}')
kill "$slow"

# ref NAME CMD… : one run under GNU time; prints name, max RSS KiB, CPU s, wall s, output bytes
ref() {
  local name=$1
  shift
  if ! command -v "$1" > /dev/null; then printf "%-34s %10s\n" "$name" "not installed"; return; fi
  /usr/bin/time -f "%M %U %S %e" -o "$work/time.$name" "$@" > "$work/out.$name" 2> /dev/null || true
  read -r rss u s wall < "$work/time.$name"
  printf "%-34s %10d %10.0f %10.2f %10d\n" "$name" "$rss" "$(awk -v u="$u" -v s="$s" 'BEGIN {print (u + s) * 1000}')" \
    "$wall" "$(stat -c %s "$work/out.$name")"
}

echo
echo "telltale-agent binary: $size bytes as built, $stripped bytes stripped"
echo "collection cycles measured: $cycles in ${CYCLES_S}s; RSS with 1 s cadence ${fast_rss} KiB"
echo
printf "%-34s %10s %10s %10s %10s\n" "one inventory of this machine" "maxRSS_KiB" "cpu_ms" "wall_s" "out_bytes"
ref "telltale-agent scan --offline" "$agent" scan --offline --root / --format json
ref "lshw -json" lshw -json
ref "hwinfo --all" hwinfo --all
ref "inxi -Fxxxz" inxi -Fxxxz -c 0
echo
printf "%-44s %s\n" "telltale-agent run: CPU per collection cycle" "${per_cycle_ms} ms"
printf "%-44s %s\n" "telltale-agent run: steady RSS (default)" "${steady_rss} KiB at the end (peak ${steady_hwm} KiB); ${rss_stats}"
printf "%-44s %s\n" "telltale-agent run: private library copies" "$PRIVATE_LIBS"
printf "%-44s %s\n" "telltale-agent run: CPU over the window" "${steady_pct} % of one core"
printf "%-44s %s\n" "  hourly average at default intervals" "${hour_pct} % of one core (window + one cycle per 300 s when the window is shorter)"
