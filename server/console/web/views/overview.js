// Overview: devices by verdict, findings of the last 24 h, silent devices and
// farm clusters. Uses GET /overview; on a collector without it, the verdict
// counts, silent devices and clusters are worked out here from /devices and
// /clusters (new findings need the verdict times only /overview has).
import { get, isMissingEndpoint } from '../api.js';
import { h, section, dataTable, fmtTime, fmtAgo, fmtScore, verdictBadge, link, empty, num, clusterKind } from '../dom.js';

const LEVELS = ['puppeteered', 'suspicious', 'review', 'clean', 'unevaluated'];
const SILENT_MS = 24 * 3600 * 1000;

async function fallbackOverview() {
  const [{ devices }, { clusters }] = await Promise.all([get('/devices'), get('/clusters')]);
  const by = Object.fromEntries(LEVELS.map((l) => [l, 0]));
  for (const d of devices) if (!d.revoked) by[d.verdict || 'unevaluated'] = (by[d.verdict || 'unevaluated'] || 0) + 1;
  const now = Date.now();
  return {
    computed: true,
    devices_total: devices.filter((d) => !d.revoked).length,
    by_verdict: by,
    new_findings_24h: null,
    silent_devices: devices.filter((d) => !d.revoked && now - num(d.last_seen_unix_ms) > SILENT_MS),
    clusters,
  };
}

export default async function overview(view) {
  view.append(h('h1', { text: 'Overview' }));
  let o;
  try {
    o = await get('/overview');
  } catch (e) {
    if (!isMissingEndpoint(e)) throw e;
    o = await fallbackOverview();
  }
  const by = o.by_verdict || {};
  const cards = h('div', { class: 'tiles', id: 'verdict-tiles' },
    LEVELS.map((l) => h('a', { class: ['tile', 'v-' + l], href: `#/devices?verdict=${l}&sort=score&order=desc` },
      h('span', { class: 'tile-count', text: String(num(by[l])) }), h('span', { class: 'tile-label', text: l }))),
    h('div', { class: 'tile total' }, h('span', { class: 'tile-count', text: String(num(o.devices_total)) }),
      h('span', { class: 'tile-label', text: 'devices' })));
  view.append(section('Devices by verdict', cards,
    o.computed ? h('p', { class: 'muted', text: 'Counted in the browser: this collector has no /api/v1/overview.' }) : null));

  const devLink = (r) => link(`#/device/${encodeURIComponent(r.device_id)}`, r.hostname || r.device_id);
  view.append(section('New findings in the last 24 h',
    o.new_findings_24h === null ? h('p', { class: 'muted not-available', text: 'New findings: not available on this collector.' })
      : o.new_findings_24h.length === 0 ? empty('No device became suspicious in the last 24 hours.')
        : dataTable([
          { label: 'Device', value: (r) => r.hostname || r.device_id, render: devLink },
          { label: 'Verdict', value: (r) => r.level, render: (r) => verdictBadge(r.level) },
          { label: 'Score', value: (r) => num(r.score), render: (r) => fmtScore(r.score), num: true },
          { label: 'Why', value: (r) => r.why || '', render: (r) => h('span', { class: 'why', text: r.why || '' }) },
          { label: 'Evaluated', value: (r) => num(r.evaluated_unix_ms), render: (r) => fmtTime(r.evaluated_unix_ms) },
        ], o.new_findings_24h, { initialSort: { index: 2, dir: -1 }, id: 'new-findings' }),
    num(o.settled_findings_24h) ? h('p', { class: 'muted', id: 'settled-findings',
      text: `${num(o.settled_findings_24h)} more already settled by a confirmed or false-positive case (they return if the verdict changes).` }) : null));

  const silent = o.silent_devices || [];
  view.append(section(`Silent devices${o.silent_after_hours ? ` (no report for ${o.silent_after_hours} h)` : ''}`,
    silent.length === 0 ? empty('Every device reported recently.')
      : dataTable([
        { label: 'Device', value: (r) => r.hostname || r.device_id, render: devLink },
        { label: 'Last seen', value: (r) => num(r.last_seen_unix_ms), render: (r) => `${fmtTime(r.last_seen_unix_ms)} (${fmtAgo(r.last_seen_unix_ms)})` },
      ], silent, { initialSort: { index: 1, dir: 1 }, id: 'silent-devices' })));

  const clusters = o.clusters || [];
  // Members by name, each a link: "2 laptops share a KVM" is only useful with which.
  const names = new Map();
  if (clusters.length)
    for (const d of (await get('/devices').catch(() => ({ devices: [] }))).devices || []) names.set(d.device_id, d.hostname || d.device_id);
  view.append(section('Farm clusters',
    clusters.length === 0 ? empty('No devices share a gateway, egress address, KVM or monitor.')
      : dataTable([
        { label: 'What they share', value: (c) => c.kind, render: (c) => clusterKind(c.kind) },
        { label: 'Shared value', value: (c) => c.key },
        { label: 'Members', value: (c) => (c.members || []).length, num: true,
          render: (c) => h('span', { class: 'members' }, (c.members || []).map((m, i) => [i ? ', ' : '',
            link(`#/device/${encodeURIComponent(m)}`, names.get(m) || m)])) },
      ], clusters, { initialSort: { index: 2, dir: -1 }, id: 'overview-clusters' }),
    h('p', {}, link('#/clusters', 'All clusters with their members and evidence →'))));
}
