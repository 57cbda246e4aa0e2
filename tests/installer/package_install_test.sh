#!/usr/bin/env bash
# Builds the packages with cpack, checks them (lintian, rpm listing), then
# does on this machine what an MDM rollout does: the collector .deb is
# installed and its binary started as the packaged service user; a managed
# config with a token is dropped *before* the agent .deb is installed; the
# installed agent enrolls by itself, removes the token and streams; the
# identity survives a re-install, an upgrade and a remove; purge deletes it.
#
# Usage: package_install_test.sh SOURCE_DIR [BINARY_DIR]  (or TELLTALE_BINARY_DIR)
# Needs root (dpkg -i); exits 77 (ctest: skipped) otherwise. The machine must
# not run its own telltale packages: leftovers of an earlier run are purged,
# and an existing /etc/telltale or /var/lib/telltale-* is set aside and put back.
set -euo pipefail
src=${1:?usage: package_install_test.sh SOURCE_DIR [BINARY_DIR]}
bin=${2:-${TELLTALE_BINARY_DIR:?usage: package_install_test.sh SOURCE_DIR BINARY_DIR}}

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: installs packages with dpkg, which needs root (run: sudo ctest -L installer)"
  exit 77
fi

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
for tool in cmake cpack dpkg dpkg-deb lintian rpm systemd-analyze runuser sha256sum; do
  command -v "$tool" >/dev/null || fail "$tool not installed (.ci/deps installs it)"
done

work=$(mktemp -d /tmp/telltale-installer-test.XXXXXX)
chmod 0755 "$work"
collector_pid=
agent_pid=
created_user=no
saved=()
cleanup() {
  set +e
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [ -n "$collector_pid" ] && kill "$collector_pid" 2>/dev/null && wait "$collector_pid" 2>/dev/null
  for p in telltale-agent telltale-collector; do
    dpkg -s "$p" >/dev/null 2>&1 && dpkg --purge "$p" >/dev/null 2>&1
  done
  [ "$created_user" = yes ] && userdel telltale-collector 2>/dev/null
  for path in "${saved[@]}"; do
    rm -rf "$path"
    mv "$work/saved/$(echo "$path" | tr / _)" "$path"
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 143" TERM INT

mode() { stat -c %a "$1"; }
expect_mode() { [ "$(mode "$1")" = "$2" ] || fail "$1 has mode $(mode "$1"), expected $2"; }
wait_for() {  # seconds, description, command...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 5))); do
    "$@" && return 0
    sleep 0.2
  done
  fail "timed out after ${seconds}s waiting for $what"
}

step "clean machine"
for p in telltale-agent telltale-collector; do
  if dpkg -s "$p" >/dev/null 2>&1; then
    echo "purging $p left by an earlier run"
    dpkg --purge "$p" >/dev/null
  fi
done
mkdir -p "$work/saved"
for path in /etc/telltale /var/lib/telltale-agent /var/lib/telltale-collector; do
  if [ -e "$path" ]; then
    echo "setting aside $path"
    mv "$path" "$work/saved/$(echo "$path" | tr / _)"
    saved+=("$path")
  fi
done
getent passwd telltale-collector >/dev/null || created_user=yes

step "build packages"
# cpack packs what is built (ctest fixture installer.build builds it).
for f in agent/telltale-agent server/telltale-collector server/telltale-ctl installer/man/telltale-agent.1.gz; do
  [ -e "$bin/$f" ] || fail "$bin/$f missing: build telltale-agent telltale-collector telltale-ctl telltale_manpages first"
done
(cd "$bin" && cpack -G DEB -B "$work/packages" && cpack -G RPM -B "$work/packages") > "$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack"; }
version=$(sed -n 's/^project(telltale VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ -n "$version" ] || fail "no project version in $src/CMakeLists.txt"
arch=$(dpkg --print-architecture)
agent_deb=$work/packages/telltale-agent_${version}_${arch}.deb
collector_deb=$work/packages/telltale-collector_${version}_${arch}.deb
agent_rpm=$(ls "$work"/packages/telltale-agent-"${version}"-*.rpm 2>/dev/null | head -1)
for f in "$agent_deb" "$collector_deb" "$agent_rpm"; do
  [ -f "$f" ] || fail "cpack did not produce ${f:-the agent rpm} (have: $(ls "$work/packages"))"
  echo "$(basename "$f"): $(stat -c %s "$f") bytes"
done

step "package metadata"
for deb in "$agent_deb" "$collector_deb"; do
  [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "$deb: version $(dpkg-deb -f "$deb" Version), expected $version"
  depends=$(dpkg-deb -f "$deb" Depends)
  for lib in libc6 libstdc++6 libssl3 'libgrpc++1.51' libprotobuf32 libsqlite3-0; do
    [[ ", $depends" == *", $lib "* || ", $depends," == *", $lib,"* ]] || fail "$deb: Depends lacks $lib: $depends"
  done
done
dpkg-deb -f "$agent_deb" Depends
dpkg-deb --ctrl-tarfile "$agent_deb" | tar -xO ./conffiles | grep -qx /etc/telltale/agent.toml ||
  fail "agent.toml is not a conffile"
dpkg-deb --ctrl-tarfile "$collector_deb" | tar -xO ./conffiles | grep -qx /etc/telltale/collector.toml ||
  fail "collector.toml is not a conffile"

step "lintian"
# Tags left on purpose are listed with their reasons in docs/DEPLOYMENT.md;
# anything else at warning or error level fails.
lintian --pedantic "$agent_deb" "$collector_deb" > "$work/lintian.txt" 2>&1 || true
cat "$work/lintian.txt"
while read -r level package tag _; do
  tag=${tag%% *}
  case "$level" in
    E:|W:)
      grep -q -- "\`$tag\`" "$src/docs/DEPLOYMENT.md" || fail "lintian $level $package $tag is not accounted for in docs/DEPLOYMENT.md"
      ;;
  esac
done < <(grep -E '^[EW]: ' "$work/lintian.txt")

step "rpm"
rpm_files=$(rpm -qlp "$agent_rpm")
echo "$rpm_files"
for f in /usr/bin/telltale-agent /etc/telltale/agent.toml /usr/lib/systemd/system/telltale-agent.service \
         /usr/lib/systemd/system/telltale-agent-scan.service /usr/lib/systemd/system/telltale-agent-scan.timer \
         /usr/lib/systemd/system/telltale-agent.service.d/10-sandbox.conf \
         /usr/lib/systemd/system/telltale-agent-scan.service.d/10-sandbox.conf \
         /usr/share/man/man1/telltale-agent.1.gz; do
  grep -qx "$f" <<<"$rpm_files" || fail "rpm lacks $f"
done
grep -qx /etc <<<"$rpm_files" && fail "rpm claims /etc, which the filesystem package owns"
[ "$(rpm -qp --queryformat '%{VERSION}' "$agent_rpm")" = "$version" ] || fail "rpm version"
rpm -qpc "$agent_rpm" | grep -qx /etc/telltale/agent.toml || fail "rpm: agent.toml not %config"
rpm -qp --requires "$agent_rpm" | grep -q '^libgrpc++.so.1.51' || fail "rpm: no library requirements computed"

step "collector .deb"
dpkg -i "$collector_deb" < /dev/null > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i collector"; }
getent passwd telltale-collector >/dev/null || fail "postinst did not create the telltale-collector user"
for f in /usr/bin/telltale-collector /usr/bin/telltale-ctl; do expect_mode "$f" 755; done
expect_mode /etc/telltale/collector.toml 644
[ -L /etc/systemd/system/multi-user.target.wants/telltale-collector.service ] || fail "collector service not enabled"
if [ -d /run/systemd/system ]; then deb-systemd-invoke stop telltale-collector.service; fi
# What StateDirectory= does before the service starts.
install -d -m 0700 -o telltale-collector -g telltale-collector /var/lib/telltale-collector
# The packaged config names the data dir; only the port is the test's.
runuser -u telltale-collector -- /usr/bin/telltale-collector --config /etc/telltale/collector.toml \
  --listen 127.0.0.1:0 > "$work/collector.log" 2>&1 &
collector_pid=$!
wait_for 20 "the installed collector to listen" test -s /var/lib/telltale-collector/listen_address
ctl() { runuser -u telltale-collector -- /usr/bin/telltale-ctl "$@"; }
token=$(ctl token create --uses 3 --ttl 1h --note installer-test)
[ -n "$token" ] || fail "no token"

step "MDM drops the managed config before the agent package"
cat > /etc/telltale/agent.toml <<TOML
# dropped by the MDM
collect-interval = 60
heartbeat-interval = 5
token = "$token"
TOML
chmod 0600 /etc/telltale/agent.toml
cp /etc/telltale/agent.toml "$work/mdm-agent.toml"

step "agent .deb"
dpkg -i "$agent_deb" < /dev/null > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i agent (a conffile prompt?)"; }
cmp -s /etc/telltale/agent.toml "$work/mdm-agent.toml" || fail "install replaced the MDM's agent.toml"
[ ! -e /etc/telltale/agent.toml.telltale-preinst ] || fail "parked MDM config left behind"
expect_mode /etc/telltale/agent.toml 600
expect_mode /usr/bin/telltale-agent 755
for unit in telltale-agent.service telltale-agent-scan.service telltale-agent-scan.timer \
            telltale-agent.service.d/10-sandbox.conf telltale-agent-scan.service.d/10-sandbox.conf; do
  expect_mode /usr/lib/systemd/system/$unit 644
done
[ -f /usr/share/man/man1/telltale-agent.1.gz ] || [ -n "$(find /etc/dpkg/dpkg.cfg.d -type f -exec grep -l 'path-exclude=/usr/share/man' {} + 2>/dev/null)" ] ||
  fail "man page not installed"
[ -L /etc/systemd/system/multi-user.target.wants/telltale-agent.service ] || fail "agent service not enabled"
[ -L /etc/systemd/system/timers.target.wants/telltale-agent-scan.timer ] || fail "scan timer not enabled"
[ "$(/usr/bin/telltale-agent --version)" = "telltale-agent $version" ] || fail "installed agent --version"
/usr/bin/telltale-agent --help | grep -q "telltale-agent run" || fail "installed agent --help"
if [ -d /run/systemd/system ]; then deb-systemd-invoke stop telltale-agent.service; fi

step "installed units verify"
out=$(systemd-analyze verify --man=no /usr/lib/systemd/system/telltale-agent.service \
  /usr/lib/systemd/system/telltale-agent-scan.timer /usr/lib/systemd/system/telltale-collector.service 2>&1) ||
  fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"

step "installed agent enrolls from the managed config"
# Defaults only, as the unit starts it: managed config, /var/lib/telltale-agent.
/usr/bin/telltale-agent run > "$work/agent.log" 2>&1 &
agent_pid=$!
wait_for 30 "enrollment (identity.toml)" test -s /var/lib/telltale-agent/identity.toml
device=$(sed -n "s/^device_id *= *['\"]\(.*\)['\"]$/\1/p" /var/lib/telltale-agent/identity.toml)
[ -n "$device" ] || fail "no device_id in identity.toml: $(cat /var/lib/telltale-agent/identity.toml)"
reported() { ctl --format json devices | grep -q "\"$device\"" && ! ctl --format json devices | grep -q '"reports":"0"'; }
wait_for 30 "a report from $device at the collector" reported
grep -q '^token' /etc/telltale/agent.toml && fail "token still in the managed config after enrollment"
grep -qx 'collect-interval = 60' /etc/telltale/agent.toml || fail "enrollment lost the rest of the managed config"
expect_mode /etc/telltale/agent.toml 600
expect_mode /var/lib/telltale-agent 700
expect_mode /var/lib/telltale-agent/device.key 600
kill -TERM "$agent_pid"
status=0
wait "$agent_pid" || status=$?
agent_pid=
[ $status -eq 0 ] || { cat "$work/agent.log"; fail "agent exited $status on SIGTERM"; }
identity() { sha256sum /var/lib/telltale-agent/device.key /var/lib/telltale-agent/device.crt /var/lib/telltale-agent/identity.toml; }
identity > "$work/identity.sum"
cp /etc/telltale/agent.toml "$work/enrolled-agent.toml"

step "re-install keeps identity and config"
dpkg -i "$agent_deb" < /dev/null > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "re-install"; }
identity | cmp -s - "$work/identity.sum" || fail "re-install changed the identity"
cmp -s /etc/telltale/agent.toml "$work/enrolled-agent.toml" || fail "re-install changed agent.toml"

step "upgrade keeps identity and config"
dpkg-deb -R "$agent_deb" "$work/upgrade"
sed -i "s/^Version: .*/Version: ${version}+installertest1/" "$work/upgrade/DEBIAN/control"
dpkg-deb --root-owner-group -b "$work/upgrade" "$work/upgrade.deb" > /dev/null
dpkg -i "$work/upgrade.deb" < /dev/null > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "upgrade"; }
[ "$(dpkg-query -W -f='${Version}' telltale-agent)" = "${version}+installertest1" ] || fail "upgrade did not happen"
identity | cmp -s - "$work/identity.sum" || fail "upgrade changed the identity"
cmp -s /etc/telltale/agent.toml "$work/enrolled-agent.toml" || fail "upgrade changed agent.toml"

step "remove keeps identity, config and enablement record"
dpkg -r telltale-agent > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "remove"; }
[ ! -e /usr/bin/telltale-agent ] || fail "remove left the binary"
identity | cmp -s - "$work/identity.sum" || fail "remove touched the identity"
[ -f /etc/telltale/agent.toml ] || fail "remove deleted the conffile"

step "purge deletes keys, spool and token"
echo "unused-token" > /etc/telltale/enrollment.token
dpkg --purge telltale-agent > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "purge"; }
for gone in /var/lib/telltale-agent /etc/telltale/agent.toml /etc/telltale/enrollment.token \
            /etc/systemd/system/multi-user.target.wants/telltale-agent.service \
            /etc/systemd/system/timers.target.wants/telltale-agent-scan.timer; do
  [ ! -e "$gone" ] && [ ! -L "$gone" ] || fail "purge left $gone"
done
[ -f /etc/telltale/collector.toml ] || fail "agent purge removed the collector's config"
dpkg -s telltale-agent > /dev/null 2>&1 && fail "telltale-agent still known to dpkg after purge"

step "fresh install waits for a token file the MDM drops later"
dpkg -i "$agent_deb" < /dev/null > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "fresh install"; }
grep -q '^token-file = "/etc/telltale/enrollment.token"' /etc/telltale/agent.toml ||
  fail "the packaged agent.toml does not name the token file"
/usr/bin/telltale-agent run > "$work/agent2.log" 2>&1 &
agent_pid=$!
wait_for 20 "the agent to wait for its token" grep -q 'event=waiting_for_token' "$work/agent2.log"
kill -0 "$agent_pid" 2>/dev/null || fail "agent without a token exited instead of waiting: $(cat "$work/agent2.log")"
[ ! -e /var/lib/telltale-agent/identity.toml ] || fail "purged identity came back"
(umask 077 && printf '%s\n' "$token" > /etc/telltale/enrollment.token.new)
mv /etc/telltale/enrollment.token.new /etc/telltale/enrollment.token
wait_for 60 "enrollment from the token file" test -s /var/lib/telltale-agent/identity.toml
wait_for 10 "the token file to be deleted" test ! -e /etc/telltale/enrollment.token
device2=$(sed -n "s/^device_id *= *['\"]\(.*\)['\"]$/\1/p" /var/lib/telltale-agent/identity.toml)
[ -n "$device2" ] && [ "$device2" != "$device" ] || fail "expected a new device id after purge, got \"$device2\""
wait_for 30 "$device2 to open its stream" grep -q 'event=session_open' "$work/agent2.log"
kill -TERM "$agent_pid"
status=0
wait "$agent_pid" || status=$?
agent_pid=
[ $status -eq 0 ] || { cat "$work/agent2.log"; fail "agent exited $status on SIGTERM"; }
dpkg --purge telltale-agent > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "second purge"; }
[ ! -e /var/lib/telltale-agent ] || fail "second purge left /var/lib/telltale-agent"

step "collector purge"
kill -TERM "$collector_pid"
wait "$collector_pid" || true
collector_pid=
dpkg --purge telltale-collector > "$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "collector purge"; }
for gone in /var/lib/telltale-collector /etc/telltale /usr/bin/telltale-collector /usr/bin/telltale-ctl; do
  [ ! -e "$gone" ] || fail "collector purge left $gone"
done
echo "ok: device $device enrolled from the managed config, kept across re-install and upgrade, purged; $device2 enrolled from a token file dropped after install"
