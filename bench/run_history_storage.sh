#!/usr/bin/env bash
# Stored bytes per laptop per day, both stores, before and after compact
# history (issue 19): starts a throwaway PostgreSQL server with
# tests/support/postgres-server, runs history_storage_bench against it and
# the sqlite store, removes the server.
#   bench/run_history_storage.sh [BUILD_DIR]     (default build/, unsanitized)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/.."
build="${1:-${BUILD_DIR:-$src/build}}"
build="$(cd "$build" && pwd)"
bench="$build/bench/history_storage_bench"
[ -x "$bench" ] || { echo "missing $bench (build the history_storage_bench target)"; exit 2; }
work="$(mktemp -d /tmp/telltale-history-bench-XXXXXX)"
chmod 755 "$work"
cleanup() {
  "$src/tests/support/postgres-server" stop "$work" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$src/tests/support/postgres-server" start "$work" >/dev/null
TELLTALE_BENCH_POSTGRES="$(cat "$work/postgres/url")" "$bench" "${@:2}"
