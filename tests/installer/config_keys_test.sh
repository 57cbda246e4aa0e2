#!/usr/bin/env bash
# Every config key the packages and MDM templates document is one the
# programs accept: the commented-out keys of the shipped agent.toml and
# collector.toml, the keys of the macOS profile's settings payload, the key
# table of installer/mdm/README.md and the keys the Windows install script
# writes. An unknown key stops the agent, so a typo here would break a fleet.
set -euo pipefail
src=${1:?usage: config_keys_test.sh SOURCE_DIR BINARY_DIR}
bin=${2:?usage: config_keys_test.sh SOURCE_DIR BINARY_DIR}
fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Built by the installer.build fixture.
agent=$bin/agent/telltale-agent
collector=$bin/server/telltale-collector
[ -x "$agent" ] && [ -x "$collector" ] || fail "build telltale-agent and telltale-collector first (ctest fixture installer.build)"

accepts() {  # program, toml file, what
  local out status=0
  out=$("$1" --config "$2" --version 2>&1) || status=$?
  [ $status -eq 0 ] || fail "$3 rejected (exit $status): $out"
}

# The mechanism can fail: an unknown key is refused with file and line.
printf 'collect-interval = 60\ncolect-interval = 60\n' > "$work/typo.toml"
status=0
out=$("$agent" --config "$work/typo.toml" --version 2>&1) || status=$?
[ $status -eq 2 ] && [[ "$out" == *typo.toml:2* && "$out" == *colect-interval* ]] ||
  fail "a misspelt key was not refused with its line (exit $status): $out"

# Shipped configs with every documented key switched on.
sed -n 's/^#\([a-z][a-z-]* = .*\)$/\1/p' "$src/installer/config/agent.toml" > "$work/agent.toml"
[ "$(wc -l < "$work/agent.toml")" -ge 10 ] || fail "expected at least 10 documented keys in agent.toml"
accepts "$agent" "$work/agent.toml" "installer/config/agent.toml with all keys uncommented"
cp "$src/installer/config/collector.toml" "$work/collector-as-shipped.toml"
accepts "$collector" "$work/collector-as-shipped.toml" "installer/config/collector.toml as shipped"
sed 's/^#\([a-z][a-z-]* = .*\)$/\1/' "$src/installer/config/collector.toml" > "$work/collector.toml"
accepts "$collector" "$work/collector.toml" "installer/config/collector.toml with all keys uncommented"

# The macOS profile's settings payload, as TOML.
/usr/bin/python3 - "$src/installer/mdm/macos/telltale-agent.mobileconfig" > "$work/profile.toml" <<'PY'
import json, plistlib, sys
profile = plistlib.load(open(sys.argv[1], "rb"))
settings = [p for p in profile["PayloadContent"] if p["PayloadType"] == "com.telltale.agent"]
assert len(settings) == 1, "one com.telltale.agent payload"
for key, value in settings[0].items():
    if key.startswith("Payload"):
        continue
    print(f"{key} = {json.dumps(value)}")
PY
[ -s "$work/profile.toml" ] || fail "no settings in the macOS profile"
accepts "$agent" "$work/profile.toml" "macOS profile settings"

# Keys named in the MDM README's table and written by the Windows script.
help=$("$agent" --config=/dev/null --help)
keys=$(sed -n 's/^| `\([a-z][a-z-]*\)` |.*/\1/p' "$src/installer/mdm/README.md")
[ "$(wc -w <<<"$keys")" -ge 10 ] || fail "key table of installer/mdm/README.md not found"
keys+=" $(grep -o '"[a-z][a-z-]* = ' "$src/installer/mdm/windows/install-telltale-agent.ps1" | tr -d '"=' )"
keys+=" $(grep -o "'[a-z][a-z-]* = " "$src/installer/mdm/windows/install-telltale-agent.ps1" | tr -d "'=" )"
for key in $keys; do
  grep -q -- "--$key " <<<"$help" || fail "documented key \"$key\" is not an agent option"
done
echo "ok: $(wc -l < "$work/agent.toml") agent.toml keys, $(wc -l < "$work/profile.toml") profile keys, $(wc -w <<<"$keys") documented keys accepted"
