#!/usr/bin/env bash
# The macOS package recipe and profile, as far as Linux can check them
# (pkgbuild, productbuild, launchctl and plutil exist only on a Mac):
# every plist and the profile are well-formed for libplist (plistutil) and
# have the keys launchd and MDMs require; the LaunchDaemons run the binary
# where build-pkg puts it; the staged payload has that layout and modes;
# the installer scripts pass bash -n and shellcheck; the uninstall script
# keeps the state unless told to purge.
set -euo pipefail
src=${1:?usage: macos_pkg_test.sh SOURCE_DIR}
fail() { echo "FAIL: $*" >&2; exit 1; }
mac=$src/installer/macos
profile=$src/installer/mdm/macos/telltale-agent.mobileconfig

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# libplist reads each file and writes it back as a binary plist and XML again.
# (plistutil 2.2 exits 0 even when it cannot parse: no output is the failure.)
for f in "$mac/com.telltale.agent.plist" "$mac/com.telltale.agent.scan.plist" "$profile"; do
  rm -f "$work/p.bin" "$work/p.xml"
  plistutil -i "$f" -o "$work/p.bin" -f bin >/dev/null 2>&1 || true
  [ -s "$work/p.bin" ] || fail "$f: libplist cannot read it"
  plistutil -i "$work/p.bin" -o "$work/p.xml" -f xml >/dev/null 2>&1 || true
  grep -q '<plist' "$work/p.xml" 2>/dev/null || fail "$f: binary round trip failed"
done
# The mechanism can fail: a plist with a misspelt element is refused.
printf '<?xml version="1.0"?><plist version="1.0"><dict><key>Label</key><strin>a</strin></dict></plist>' > "$work/broken.plist"
plistutil -i "$work/broken.plist" -o "$work/b.bin" -f bin >/dev/null 2>&1 || true
[ ! -s "$work/b.bin" ] || fail "plistutil accepted a plist with an unknown element"

# The binary path build-pkg installs, as the recipe spells it.
bin_dir=$(sed -n 's/^readonly bin_dir=//p' "$mac/build-pkg")
[ -n "$bin_dir" ] || fail "build-pkg names no bin_dir"
binary="/$bin_dir/telltale-agent"

/usr/bin/python3 - "$mac" "$profile" "$binary" <<'PY'
import plistlib, sys, uuid
mac, profile_path, binary = sys.argv[1:]
def fail(msg):
    sys.exit("FAIL: " + msg)
def load(path):
    with open(path, "rb") as f:
        return plistlib.load(f)

for job, verb in (("com.telltale.agent", "run"), ("com.telltale.agent.scan", "scan")):
    d = load(f"{mac}/{job}.plist")
    if d.get("Label") != job:
        fail(f"{job}.plist: Label {d.get('Label')!r}, expected {job!r} (launchd matches it to the file name)")
    args = d.get("ProgramArguments")
    if not isinstance(args, list) or args[:2] != [binary, verb]:
        fail(f"{job}.plist: ProgramArguments {args!r}, expected [{binary!r}, {verb!r}, …]")
    if d.get("UserName") != "root":
        fail(f"{job}.plist: must run as root (reads the I/O Registry and root-only state)")
    for key in ("StandardOutPath", "StandardErrorPath"):
        if not str(d.get(key, "")).startswith("/Library/Logs/Telltale/"):
            fail(f"{job}.plist: {key} outside /Library/Logs/Telltale")
    if verb == "run":
        if d.get("RunAtLoad") is not True or d.get("KeepAlive") != {"SuccessfulExit": False}:
            fail("agent daemon: RunAtLoad and KeepAlive.SuccessfulExit=false expected (restart after a crash only)")
        if "--service" in args:
            fail("agent daemon: launchd runs the agent in the foreground; --service is Windows'")
    else:
        cal = d.get("StartCalendarInterval", {})
        if not (isinstance(cal.get("Hour"), int) and isinstance(cal.get("Minute"), int)):
            fail("scan job: StartCalendarInterval Hour and Minute expected (postinstall rewrites them)")

p = load(profile_path)
for key in ("PayloadType", "PayloadIdentifier", "PayloadUUID", "PayloadVersion", "PayloadContent"):
    if key not in p:
        fail(f"profile: top-level {key} missing")
if p["PayloadType"] != "Configuration":
    fail("profile: PayloadType must be Configuration")
uuids = [p["PayloadUUID"]]
identifiers = [p["PayloadIdentifier"]]
for payload in p["PayloadContent"]:
    for key in ("PayloadType", "PayloadIdentifier", "PayloadUUID", "PayloadVersion"):
        if key not in payload:
            fail(f"profile payload {payload.get('PayloadIdentifier')}: {key} missing")
    uuids.append(payload["PayloadUUID"])
    identifiers.append(payload["PayloadIdentifier"])
    if payload["PayloadType"] == "com.apple.TCC.configuration-profile-policy":
        # No privacy permission is needed: the I/O Registry, system_profiler,
        # launchctl and users' ~/Library/Preferences need none, and input
        # timing (which would need Input Monitoring, a grant an MDM cannot
        # give) is not collected. docs/MACOS.md.
        fail(f"profile grants privacy permissions {sorted(payload.get('Services', {}))} the agent does not use")
for u in uuids:
    uuid.UUID(u)
if len(set(uuids)) != len(uuids) or len(set(identifiers)) != len(identifiers):
    fail("profile: PayloadUUID and PayloadIdentifier must be unique")
settings = [x for x in p["PayloadContent"] if x["PayloadType"] == "com.telltale.agent"]
if len(settings) != 1:
    fail("profile: one com.telltale.agent settings payload expected")
PY

# The staged payload: where build-pkg puts each file, with launchd's modes.
printf '#!/bin/sh\nexit 0\n' > "$work/telltale-agent"
chmod 0755 "$work/telltale-agent"
"$mac/build-pkg" --stage-only "$work/telltale-agent" "$work/stage"
root=$work/stage/root
[ -x "$root$binary" ] || fail "staged payload has no $binary"
[ -x "$root/$bin_dir/uninstall-telltale-agent" ] || fail "staged payload has no uninstall script"
for job in com.telltale.agent com.telltale.agent.scan; do
  f=$root/Library/LaunchDaemons/$job.plist
  [ "$(stat -c %a "$f")" = 644 ] || fail "$job.plist staged with mode $(stat -c %a "$f"), launchd wants 0644"
done
for s in preinstall postinstall; do
  [ -x "$work/stage/scripts/$s" ] || fail "staged scripts lack an executable $s"
done
status=0
"$mac/build-pkg" --stage-only "$work/missing-binary" "$work/stage2" 2>/dev/null || status=$?
[ $status -ne 0 ] || fail "build-pkg staged a missing binary"

# Scripts: syntax and shellcheck.
for s in "$mac/build-pkg" "$mac/scripts/preinstall" "$mac/scripts/postinstall" "$mac/uninstall-telltale-agent"; do
  bash -n "$s" || fail "$s: bash -n"
done
shellcheck "$mac/build-pkg" "$mac/scripts/preinstall" "$mac/scripts/postinstall" "$mac/uninstall-telltale-agent" ||
  fail "shellcheck"

# The installer scripts against a scratch target volume, with launchctl,
# plutil and chown (macOS tools, or needing macOS's wheel group) recording
# their calls instead.
stubs=$work/stubs
mkdir -p "$stubs"
for tool in launchctl plutil chown; do
  printf '#!/bin/sh\necho "%s $*" >> "%s/calls"\n' "$tool" "$work" > "$stubs/$tool"
  chmod 0755 "$stubs/$tool"
done
PATH=$stubs:$PATH "$work/stage/scripts/preinstall" pkg "$work/stage/root" /
grep -q "^launchctl bootout system/com.telltale.agent$" "$work/calls" &&
  grep -q "^launchctl bootout system/com.telltale.agent.scan$" "$work/calls" ||
  fail "preinstall did not boot out both jobs: $(cat "$work/calls")"
vol=$work/volume
mkdir -p "$vol/Library/LaunchDaemons" "$vol/Library/Application Support/Telltale"
cp "$root/Library/LaunchDaemons/"*.plist "$vol/Library/LaunchDaemons/"
echo "device_id = 'dev-1'" > "$vol/Library/Application Support/Telltale/identity.toml"
chmod 0755 "$vol/Library/Application Support/Telltale"
: > "$work/calls"
PATH=$stubs:$PATH "$work/stage/scripts/postinstall" pkg "$work/stage/root" "$vol"
[ "$(stat -c %a "$vol/Library/Application Support/Telltale")" = 700 ] || fail "postinstall left the state dir open"
[ -f "$vol/Library/Application Support/Telltale/identity.toml" ] || fail "postinstall lost the device state"
[ -d "$vol/Library/Logs/Telltale" ] || fail "postinstall made no log dir"
hour=$(sed -n 's/^plutil -replace StartCalendarInterval.Hour -integer \([0-9]*\) .*scan.plist$/\1/p' "$work/calls")
minute=$(sed -n 's/^plutil -replace StartCalendarInterval.Minute -integer \([0-9]*\) .*scan.plist$/\1/p' "$work/calls")
[ -n "$hour" ] && [ "$hour" -ge 9 ] && [ "$hour" -le 12 ] && [ -n "$minute" ] && [ "$minute" -le 59 ] ||
  fail "postinstall drew no scan time in 09:00-12:59: $(cat "$work/calls")"
! grep -q "^launchctl" "$work/calls" || fail "postinstall on another volume loaded jobs into this system"

# Uninstall on the staged tree: state stays, --purge removes it.
state="$root/Library/Application Support/Telltale"
mkdir -p "$state" "$root/Library/Logs/Telltale"
echo "device_id = 'dev-1'" > "$state/identity.toml"
if [ "$(id -u)" -eq 0 ]; then
  TELLTALE_UNINSTALL_ROOT=$root "$root/$bin_dir/uninstall-telltale-agent" >/dev/null
  [ ! -e "$root$binary" ] || fail "uninstall left the binary"
  [ ! -e "$root/Library/LaunchDaemons/com.telltale.agent.plist" ] || fail "uninstall left the LaunchDaemon"
  [ -f "$state/identity.toml" ] || fail "uninstall without --purge deleted the device state"
  TELLTALE_UNINSTALL_ROOT=$root "$mac/uninstall-telltale-agent" --purge >/dev/null
  [ ! -e "$state" ] || fail "uninstall --purge kept the device state"
  echo "ok: plists, profile, staged layout, scripts and uninstall"
else
  echo "ok: plists, profile, staged layout and scripts (uninstall needs root: not run)"
fi
