# telltale-agent %postun. $1: 0 = erase, 1 = upgrade.
# RPM has no purge: erase keeps /var/lib/telltale-agent (identity and spool)
# so a re-install resumes as the same device. Forgetting the device is
# `rm -rf /var/lib/telltale-agent` after the erase (docs/DEPLOYMENT.md).
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || :
fi
