# telltale-agent %post. $1: 1 = first install, 2 = upgrade.
# Enable on first install (the preset-less equivalent of %systemd_post);
# restart on upgrade so the new binary runs. The identity in
# /var/lib/telltale-agent is never touched.
if [ "$1" -eq 1 ]; then
  systemctl --no-reload enable telltale-agent.service telltale-agent-scan.timer >/dev/null 2>&1 || :
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || :
  if [ "$1" -eq 1 ]; then
    systemctl start telltale-agent.service telltale-agent-scan.timer >/dev/null 2>&1 || :
  else
    systemctl try-restart telltale-agent.service >/dev/null 2>&1 || :
  fi
fi
