#!/usr/bin/env bash
# The packaged systemd units pass `systemd-analyze verify` with no message at
# all (verify prints unknown keys and bad values but still exits 0, so any
# output is a failure). Works without a running systemd and without root:
# the units are checked inside a scratch root that holds the distribution's
# units (for the targets they refer to) and stand-ins for the binaries.
set -euo pipefail
src=${1:?usage: units_verify_test.sh SOURCE_DIR}
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze not installed (package systemd)"; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd/system" "$root/usr/bin"
cp -a /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/" 2>/dev/null || true
for program in telltale-agent telltale-collector; do
  printf '#!/bin/sh\nexit 0\n' > "$root/usr/bin/$program"
  chmod 0755 "$root/usr/bin/$program"
done
units=()
for unit in "$src"/installer/systemd/*.service "$src"/installer/systemd/*.timer; do
  cp "$unit" "$root/usr/lib/systemd/system/"
  units+=("$root/usr/lib/systemd/system/$(basename "$unit")")
done
# As the package installs it: one sandbox drop-in for both agent units.
sandbox=$src/installer/systemd/telltale-agent.service.d/10-sandbox.conf
for unit in telltale-agent.service telltale-agent-scan.service; do
  mkdir -p "$root/usr/lib/systemd/system/$unit.d"
  cp "$sandbox" "$root/usr/lib/systemd/system/$unit.d/"
done
[ ${#units[@]} -eq 4 ] || { echo "FAIL: expected 4 units in installer/systemd, found ${#units[@]}"; exit 1; }

# A unit with a typo must be caught, or this test proves nothing.
printf '[Service]\nExecStart=/usr/bin/telltale-agent\nProtectSystem=strictest\n' > "$root/usr/lib/systemd/system/telltale-typo.service"
typo=$(systemd-analyze verify --man=no --root="$root" "$root/usr/lib/systemd/system/telltale-typo.service" 2>&1 || true)
[ -n "$typo" ] || { echo "FAIL: verify did not report a bad ProtectSystem= value"; exit 1; }
rm "$root/usr/lib/systemd/system/telltale-typo.service"

status=0
out=$(systemd-analyze verify --man=no --root="$root" "${units[@]}" 2>&1) || status=$?
if [ $status -ne 0 ] || [ -n "$out" ]; then
  echo "FAIL: systemd-analyze verify (exit $status):"
  echo "$out"
  exit 1
fi

# What the hardening promises, checked on each unit with its drop-ins (the
# last assignment wins, as in systemd).
prop() {
  local files=("$root/usr/lib/systemd/system/$1")
  [ -d "${files[0]}.d" ] && files+=("${files[0]}.d/"*.conf)
  { grep -hE "^$2=" "${files[@]}" || true; } | tail -1 | cut -d= -f2-
}
expect() {
  local got
  got=$(prop "$1" "$2")
  [ "$got" = "$3" ] || { echo "FAIL: $1: $2=$got, expected $3"; exit 1; }
}
# A bad value in the drop-in is reported against the unit too.
sed -i 's/^ProtectSystem=strict$/ProtectSystem=strictest/' "$root/usr/lib/systemd/system/telltale-agent-scan.service.d/10-sandbox.conf"
typo=$(systemd-analyze verify --man=no --root="$root" "$root/usr/lib/systemd/system/telltale-agent-scan.service" 2>&1 || true)
[ -n "$typo" ] || fail_msg="verify did not read the sandbox drop-in"
cp "$sandbox" "$root/usr/lib/systemd/system/telltale-agent-scan.service.d/"
[ -z "${fail_msg:-}" ] || { echo "FAIL: $fail_msg"; exit 1; }

for unit in telltale-agent.service telltale-agent-scan.service telltale-collector.service; do
  expect "$unit" ProtectSystem strict
  expect "$unit" NoNewPrivileges yes
  expect "$unit" PrivateTmp yes
  expect "$unit" StateDirectoryMode 0700
done
expect telltale-agent.service ProtectHome read-only
expect telltale-agent.service StateDirectory telltale-agent
expect telltale-agent.service CapabilityBoundingSet "CAP_DAC_READ_SEARCH CAP_SYS_PTRACE"
expect telltale-agent.service ReadWritePaths -/etc/telltale
expect telltale-agent.service Restart on-failure
expect telltale-agent.service StartLimitBurst 5
expect telltale-collector.service CapabilityBoundingSet ""
expect telltale-collector.service User telltale-collector
expect telltale-collector.service Restart on-failure
expect telltale-agent-scan.timer OnCalendar daily
expect telltale-agent-scan.timer Persistent true
expect telltale-agent-scan.timer RandomizedDelaySec 4h
echo "ok: ${#units[@]} units verified"
