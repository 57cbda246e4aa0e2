// Device detail: the verdict with every indicator and its evidence, then what
// the latest snapshot shows (hardware, USB tree, displays, layouts, remote
// tools), the activity heatmap, RTT chart, timeline, verdict history, cases.
import { get, post, isMissingEndpoint } from '../api.js';
import { h, section, kv, dataTable, fmtTime, fmtAgo, fmtBytes, fmtScore, verdictBadge, link, empty, f, num, hex4,
  load, notAvailable, withLinks } from '../dom.js';
import { rttChart, heatmap, heatmapFromBuckets } from '../charts.js';
import { presenceSection } from './presence.js';
import { suppressionSection } from './suppressions.js';

export default async function device(view, ctx, id) {
  const base = `/devices/${encodeURIComponent(id)}`;
  const d = await get(base);
  const dev = d.device || {};
  const snap = d.snapshot || {};
  const latest = (d.verdicts || [])[0];
  const verdict = latest ? latest.verdict || {} : null;
  let assignee = d.assignee || null;
  if (d.assignee === undefined) {
    // Older collectors put the assignee only in the device list.
    const list = await get('/devices').catch(() => ({ devices: [] }));
    assignee = ((list.devices || []).find((x) => x.device_id === dev.device_id) || {}).assignee || null;
  }

  // Header and actions.
  const caseMsg = h('span', { class: 'muted', role: 'status' });
  // A case already being worked on this laptop: say so on the page (not in a
  // browser dialog) and offer the existing case first, a second one only if meant.
  const duplicateBox = h('div', { class: 'warning', id: 'duplicate-case', role: 'alert', hidden: true });
  const body = { device_id: dev.device_id, title: `${dev.hostname || dev.device_id}: ${latest ? latest.level : 'review'}` };
  const openCase = h('button', { type: 'button', id: 'open-case', text: 'Open case', onclick: async () => {
    openCase.disabled = true;
    duplicateBox.hidden = true;
    try {
      const c = await post('/cases', body);
      ctx.navigate(`#/case/${encodeURIComponent(c.id)}`);
    } catch (e) {
      const existing = e.status === 409 && e.data && e.data.existing_case;
      openCase.disabled = false;
      if (existing) {
        duplicateBox.replaceChildren(
          h('p', { text: `${e.data.error.replace(/; send duplicate_ok.*$/, '')}. A second case would split the notes and evidence.` }),
          h('button', { type: 'button', id: 'duplicate-open-existing', text: `Open case #${existing}`, onclick: () => ctx.navigate(`#/case/${encodeURIComponent(existing)}`) }), ' ',
          h('button', { type: 'button', id: 'duplicate-open-anyway', class: 'secondary', text: 'Open a second case anyway', onclick: async () => {
            try {
              const c = await post('/cases', { ...body, duplicate_ok: true });
              ctx.navigate(`#/case/${encodeURIComponent(c.id)}`);
            } catch (ex) { caseMsg.textContent = ex.message; caseMsg.className = 'error-inline'; }
          } }));
        duplicateBox.hidden = false;
        return;
      }
      caseMsg.textContent = isMissingEndpoint(e) ? 'Cases: not available on this collector.' : e.message;
      caseMsg.className = 'error-inline';
    }
  } });
  const exportLinks = h('span', { class: 'exports' }, 'Export: ',
    h('a', { href: `/api/v1${base}/export?format=json`, download: `evidence-${dev.device_id}.json`, id: 'export-json', text: 'JSON' }), ' · ',
    h('a', { href: `/api/v1${base}/export?format=html`, target: '_blank', rel: 'noopener', id: 'export-html', text: 'printable HTML' }));
  const actions = h('div', { class: 'actions' }, openCase, ' ', exportLinks, ' ', caseMsg, duplicateBox);
  if (ctx.me.role === 'admin' && !dev.revoked) {
    actions.append(h('button', { type: 'button', class: 'danger', text: 'Revoke device', onclick: async (e) => {
      if (!confirm(`Revoke ${dev.hostname || dev.device_id}? Its agent can no longer report.`)) return;
      try { await post(`${base}/revoke`); ctx.navigate(location.hash); } catch (ex) { ctx.showError(ex.message); }
    } }));
  }
  view.append(h('div', { class: 'page-head' },
    h('h1', {}, dev.hostname || dev.device_id, ' ', verdictBadge(latest ? latest.level : 'unevaluated'),
      dev.revoked ? h('span', { class: 'badge revoked', text: 'revoked' }) : null),
    d.why ? h('p', { class: 'why-line', id: 'why' }, h('strong', { text: 'Why: ' }), d.why) : null,
    h('p', { class: 'muted' }, `Device ${dev.device_id} · score ${latest ? fmtScore(latest.score) : '—'} · last seen ${fmtAgo(dev.last_seen_unix_ms)}`),
    actions));

  // Verdict and indicators, one card per physical thing when the collector groups them.
  const groups = d.evidence_groups || null;
  // A cluster card names the cluster's members as they are now (the
  // indicator's own text was written when the verdict was made) and opens
  // one case for all of them.
  const liveClusters = new Map((d.clusters || []).map((c) => [c.cluster_id, c]));
  const clusterBlock = (g) => {
    const c = g.kind === 'cluster' ? liveClusters.get(g.thing.slice(8)) : null;
    if (!c) return null;
    const msg = h('span', { role: 'status' });
    return h('div', { class: 'cluster-now', 'data-cluster': c.cluster_id },
      h('p', {}, h('strong', { class: 'cluster-count', text: `Now ${c.count} laptop${c.count === 1 ? '' : 's'}: ` }),
        ...c.members.flatMap((m, i) => [i ? ', ' : '', link(`#/device/${encodeURIComponent(m.device_id)}`, m.hostname || m.device_id)])),
      ctx.me.role === 'viewer' ? null : h('button', { type: 'button', class: 'open-cluster-case', text: `Open one case for these ${c.count} laptops`, onclick: async () => {
        try {
          const k = await post('/cases', { cluster_id: c.cluster_id });
          ctx.navigate(`#/case/${encodeURIComponent(k.id)}`);
        } catch (e) {
          const existing = e.status === 409 && e.data && e.data.existing_case;
          msg.replaceChildren(h('span', { class: 'warning', text: e.message.replace(/; send duplicate_ok.*$/, '') + ' ' }),
            existing ? link(`#/case/${encodeURIComponent(existing)}`, `Open case #${existing}`) : '');
        }
      } }), ' ', msg);
  };
  view.append(section('Verdict', verdict ? (groups && groups.length ? groupedView(verdict, latest, groups, clusterBlock) : indicatorsView(verdict, latest))
    : empty('No verdict yet: the collector has not scored a report from this device.')));
  view.append(await presenceSection(base, ctx));
  view.append(await suppressionSection(ctx, dev, verdict));
  // USB devices the evidence is about, highlighted in the tree.
  const flaggedUsb = new Map((groups || []).filter((g) => g.kind === 'usb').map((g) => [g.thing.slice(4), g.severity]));

  view.append(section('Device and assignee', h('div', { class: 'two-col' },
    kv([['Hostname', dev.hostname], ['Device id', dev.device_id], ['Serial', dev.serial], ['Platform', dev.platform],
      ['Agent', dev.agent_version], ['Enrolled', fmtTime(dev.enrolled_unix_ms)], ['Last seen', `${fmtTime(dev.last_seen_unix_ms)} (${fmtAgo(dev.last_seen_unix_ms)})`],
      ['Last address', dev.last_peer], ['Reports', dev.reports], ['Time zone (laptop)', f(f(snap, 'time'), 'iana_zone')],
      ['Previous ids', (dev.previous_device_ids || []).join(', ')]]),
    assignee ? kv([['Assignee', assignee.employee], ['Email', assignee.email], ['Expected zone', assignee.timezone], ['Region', assignee.region]])
      : empty('No assignee: import assignments on the Admin page.'))));

  // Heatmap and RTT load on their own: each may be missing on an older collector.
  const heatBox = h('div', { id: 'heatmap-box' });
  const rttBox = h('div', { id: 'rtt-box' });
  view.append(section('Activity by hour and weekday', heatBox), section('Round-trip time to the collector', rttBox));
  load(heatBox, 'Activity heatmap', async () => {
    try {
      const m = await get(`${base}/heatmap?days=28`);
      const src = { assignee: "the assignee's zone", device: "the laptop's zone", utc: 'UTC (no zone known)' }[m.timezone_source] || m.timezone_source;
      return heatmap({ ...m, caption: `${m.total} active periods in the last ${m.days || 28} days, in ${m.timezone} (${src})` +
        `${m.activity_source ? `, from ${m.activity_source === 'reports' ? 'report times' : 'input activity'}` : ''}` +
        `${(m.zone_errors || []).length ? `; zones that failed: ${m.zone_errors.join(', ')}` : ''}.` });
    } catch (e) {
      if (!isMissingEndpoint(e)) throw e;
      return localHeatmap(snap, d.reports || [], assignee);
    }
  }, isMissingEndpoint);
  load(rttBox, 'RTT chart', async () => {
    const r = await get(`${base}/rtt?days=7`);
    return rttChart(r.points || []);
  }, isMissingEndpoint);

  view.append(section('Hardware', hardwareView(f(snap, 'hardware'), snap)));
  view.append(section('USB devices', usbTree(f(snap, 'usb_devices') || [], flaggedUsb)));
  view.append(section('Displays', displaysView(f(snap, 'displays') || [])));
  view.append(section('Keyboard layouts and input methods', keyboardView(f(snap, 'keyboard') || {})));
  view.append(section('Remote-access tools', remoteView(f(snap, 'remote_access') || [])));
  view.append(section('Timeline of changes', timelineView(d)));
  view.append(section('Compare two reports', diffView(base, d.reports)));
  view.append(section('Verdict history', dataTable([
    { label: 'Evaluated', value: (v) => num(v.evaluated_unix_ms), render: (v) => fmtTime(v.evaluated_unix_ms) },
    { label: 'Verdict', value: (v) => v.level, render: (v) => verdictBadge(v.level) },
    { label: 'Score', value: (v) => num(v.score), render: (v) => fmtScore(v.score), num: true },
    { label: 'Why', value: (v) => v.why || '' },
    { label: 'Indicators', value: (v) => ((v.verdict && v.verdict.indicators) || []).map((i) => i.id).join(' ') },
  ], d.verdicts || [], { initialSort: { index: 0, dir: -1 } })));
  view.append(section('Cases', d.cases === undefined ? notAvailable('Cases') : (d.cases.length === 0 ? empty('No case for this device yet.')
    : h('ul', { class: 'plain', id: 'device-cases' }, d.cases.map((c) => h('li', {},
      link(`#/case/${encodeURIComponent(c.id)}`, c.title || `Case ${c.id}`), ' ', h('span', { class: 'badge s-' + c.status, text: c.status }),
      c.owner ? ` · ${c.owner}` : '')))), ));
}

function indicatorItem(i) {
  return h('li', { class: ['indicator', 'sev-' + (i.severity || 'info')] },
    h('div', { class: 'ind-head' },
      h('span', { class: 'badge sev-' + (i.severity || 'info'), text: i.severity || 'info' }), ' ',
      h('strong', { class: 'ind-title', text: i.title || i.id }), ' ',
      h('code', { class: 'ind-id', text: i.id }), ' ',
      h('span', { class: 'muted', text: `${i.category || ''} · confidence ${num(i.confidence).toFixed(2)} · score ${fmtScore(i.score)}` }),
      f(i, 'first_seen_unix_ms') ? h('span', { class: 'muted', text: ` · since ${fmtTime(f(i, 'first_seen_unix_ms'))}` }) : null),
    (i.evidence || []).length ? h('table', { class: 'evidence' }, h('tbody', {}, i.evidence.map((e) =>
      h('tr', {}, h('th', { scope: 'row', text: e.key || '' }), h('td', {}, withLinks(e.value || '')))))) : null);
}

// One card per USB device, display, tool…: eight rules tripped by one PiKVM
// are one "USB 1-3" card, coloured by its strongest indicator.
function groupedView(verdict, latest, groups, extra = () => null) {
  const inds = verdict.indicators || [];
  const head = h('p', {}, `Evaluated ${fmtTime(latest.evaluated_unix_ms)} with catalog ${f(verdict, 'catalog_version') || '—'}; `,
    `${inds.length} indicator${inds.length === 1 ? '' : 's'} about ${groups.length} thing${groups.length === 1 ? '' : 's'}.`);
  const list = h('ol', { class: 'indicators groups', id: 'indicators' }, groups.map((g) => h('li', {
    class: ['evidence-group', 'sev-' + (g.severity || 'info')], 'data-thing': g.thing },
  h('div', { class: 'group-head' },
    h('span', { class: 'badge sev-' + (g.severity || 'info'), text: g.severity || 'info' }), ' ',
    h('strong', { class: 'group-label', text: g.label }), ' ',
    h('span', { class: 'muted', text: `${g.indicators.length} indicator${g.indicators.length === 1 ? '' : 's'} · score ${fmtScore(g.score)}` })),
  extra(g),
  h('ol', { class: 'indicators' }, g.indicators.map((k) => inds[k]).filter(Boolean).map(indicatorItem)))));
  return h('div', {}, head, list);
}

function indicatorsView(verdict, latest) {
  const inds = verdict.indicators || [];
  const head = h('p', {}, `Evaluated ${fmtTime(latest.evaluated_unix_ms)} with catalog ${f(verdict, 'catalog_version') || '—'}; `,
    `${inds.length} indicator${inds.length === 1 ? '' : 's'}.`);
  if (!inds.length) return h('div', {}, head, empty('No indicator matched.'));
  const list = h('ol', { class: 'indicators', id: 'indicators' }, inds.map(indicatorItem));
  return h('div', {}, head, list);
}

function hardwareView(hw, snap) {
  if (!hw) return empty('No snapshot yet.');
  const lid = f(snap, 'lid');
  const health = f(snap, 'health');
  const pairs = kv([
    ['Vendor', f(hw, 'sys_vendor')], ['Model', `${f(hw, 'product_name') || ''} ${f(hw, 'product_version') || ''}`.trim()],
    ['Serial', f(hw, 'product_serial')], ['Board', `${f(hw, 'board_vendor') || ''} ${f(hw, 'board_name') || ''}`.trim()],
    ['BIOS', `${f(hw, 'bios_vendor') || ''} ${f(hw, 'bios_version') || ''}`.trim()], ['Chassis', f(hw, 'chassis_kind') || f(hw, 'chassis_type')],
    ['CPU', `${f(hw, 'cpu_model') || ''}${f(hw, 'cpu_count') ? ` × ${f(hw, 'cpu_count')}` : ''}`], ['Memory', fmtBytes(f(hw, 'memory_bytes'))],
    ['Virtual machine', f(f(hw, 'vm'), 'hypervisor') || (f(f(hw, 'vm'), 'detected') ? 'yes' : '')],
    ['Lid', lid && f(lid, 'present') ? (f(lid, 'closed') ? 'closed' : 'open') : ''],
    ['Snapshot taken', fmtTime(f(snap, 'collected_at_unix_ms'))],
    ['Agent RSS', health ? fmtBytes(f(health, 'rss_bytes')) : ''],
  ]);
  const disks = f(hw, 'disks') || [], nics = f(hw, 'nics') || [];
  return h('div', {}, pairs,
    disks.length ? h('p', {}, 'Disks: ', disks.map((x) => `${x.name} ${x.model || ''} ${fmtBytes(f(x, 'size_bytes'))}`).join('; ')) : null,
    nics.length ? h('p', {}, 'Network: ', nics.map((x) => `${x.name} (${x.kind || ''}${x.driver ? ', ' + x.driver : ''}) ${x.mac || ''}`).join('; ')) : null);
}

// USB devices as the tree the port paths describe: "usb1" is bus 1's root
// hub, "1-2" its port 2, "1-2.4" port 4 of the hub on 1-2.
function usbTree(devs, flagged = new Map()) {
  if (!devs.length) return empty('No USB devices reported.');
  const byPath = new Map(devs.map((d) => [f(d, 'port_path'), { d, kids: [] }]));
  const roots = [];
  for (const [path, node] of byPath) {
    let parent = null;
    if (path && !path.startsWith('usb')) {
      const dot = path.lastIndexOf('.');
      parent = dot >= 0 ? path.slice(0, dot) : `usb${path.split('-')[0]}`;
    }
    (parent && byPath.has(parent) ? byPath.get(parent).kids : roots).push(node);
  }
  const render = (node) => {
    const d = node.d;
    const ifaces = (d.interfaces || []).map((i) => `${i.driver || 'no driver'}`).filter((x, i, a) => a.indexOf(x) === i).join(', ');
    const sev = flagged.get(f(d, 'port_path'));
    return h('li', { class: sev ? ['flagged', 'sev-' + sev] : undefined, 'data-port': f(d, 'port_path') || '' },
      sev ? h('span', { class: 'badge sev-' + sev, text: 'flagged' }) : null, sev ? ' ' : null,
      h('code', { text: f(d, 'port_path') || '?' }), ' ',
      h('span', { class: 'usb-id', text: `${hex4(f(d, 'vendor_id'))}:${hex4(f(d, 'product_id'))}` }), ' ',
      h('strong', { text: [d.manufacturer, d.product].filter(Boolean).join(' ') || '(no strings)' }),
      d.serial ? h('span', { class: 'muted', text: ` serial ${d.serial}` }) : null,
      h('span', { class: 'muted', text: ` · USB ${f(d, 'usb_version') || '?'}, ${f(d, 'speed_mbps') || '?'} Mb/s${ifaces ? ' · ' + ifaces : ''}` }),
      node.kids.length ? h('ul', {}, node.kids.sort((a, b) => String(f(a.d, 'port_path')).localeCompare(String(f(b.d, 'port_path')))).map(render)) : null);
  };
  return h('ul', { class: 'tree', id: 'usb-tree' }, roots.map(render));
}

function displaysView(ds) {
  if (!ds.length) return empty('No display connectors reported.');
  return dataTable([
    { label: 'Connector', value: (d) => d.connector },
    { label: 'Type', value: (d) => f(d, 'connector_type') },
    { label: 'Internal', value: (d) => (d.internal ? 'yes' : 'no') },
    { label: 'Status', value: (d) => d.status },
    { label: 'Monitor', value: (d) => { const e = d.edid; return e ? [f(e, 'pnp_id'), f(e, 'monitor_name')].filter(Boolean).join(' ') : ''; } },
    { label: 'Serial', value: (d) => { const e = d.edid; return e ? f(e, 'serial_string') || (f(e, 'serial_number') ? String(f(e, 'serial_number')) : '') : ''; } },
    { label: 'EDID', value: (d) => { const e = d.edid; return !e ? '' : f(e, 'valid') ? `valid, ${f(e, 'year') || '?'}` : `invalid: ${e.error || ''}`; } },
    { label: 'Preferred mode', value: (d) => { const m = d.edid && f(d.edid, 'preferred_mode'); return m ? `${m.width || '?'}×${m.height || '?'}` : (d.modes || [])[0] || ''; } },
  ], ds, {});
}

function keyboardView(k) {
  const layouts = f(k, 'system_layouts') || [];
  const users = k.users || [];
  if (!layouts.length && !users.length) return empty('No keyboard layouts reported.');
  return h('div', {},
    layouts.length ? h('ul', { class: 'plain' }, layouts.map((l) => h('li', {},
      h('strong', { text: `${l.layout || '?'}${l.variant ? ' (' + l.variant + ')' : ''}` }), l.language ? ` · language ${l.language}` : '',
      l.source ? h('span', { class: 'muted', text: ` · ${l.source}` }) : null))) : null,
    k.model || k.options ? h('p', { class: 'muted', text: `XKB model ${k.model || '—'}, options ${k.options || '—'}` }) : null,
    users.length ? h('ul', { class: 'plain' }, users.map((u) => h('li', {}, `${u.user}: `,
      (f(u, 'input_methods') || []).map((m) => `${m.framework}/${m.name}${m.language ? ' (' + m.language + ')' : ''}`).join(', ') || '—'))) : null);
}

function remoteView(tools) {
  if (!tools.length) return empty('No remote-access tool found.');
  return dataTable([
    { label: 'Tool', value: (t) => t.name || f(t, 'tool_id') },
    { label: 'State', value: (t) => ['installed', 'running', 'listening', 'connected'].filter((k) => t[k]).join(', ') || 'traces only' },
    { label: 'Processes', value: (t) => (t.processes || []).map((p) => `${p.comm || ''} (${p.pid})`).join(', ') },
    { label: 'Ports', value: (t) => (f(t, 'listening_ports') || []).join(', ') },
    { label: 'Paths / services', value: (t) => [...(f(t, 'installed_paths') || []), ...(t.services || [])].join(', ') },
  ], tools, {});
}

// Changes, not reports: each row is something that happened (a USB device
// plugged, the zone moved, a remote session, the verdict changing), with the
// time in UTC and in the zone the laptop reported then.
function timelineView(d) {
  let rows = d.timeline;
  let note = null;
  if (!rows) {
    // Older collectors: events and reports side by side.
    rows = [
      ...(d.events || []).map((e) => {
        const ev = e.event || {};
        const kind = Object.keys(ev).find((k) => !/^at_?unix_?ms$|^atUnixMs$/.test(k)) || 'event';
        return { unix_ms: num(f(ev, 'at_unix_ms')), kind: 'event', type: kind, summary: JSON.stringify(ev[kind] || {}), seq: e.seq };
      }),
      ...(d.reports || []).map((r) => ({ unix_ms: num(r.created_unix_ms), kind: 'report', type: r.kind, summary: `${r.bytes} bytes`, seq: r.seq })),
    ].sort((a, b) => b.unix_ms - a.unix_ms);
    note = h('p', { class: 'muted', text: 'Built from events and reports: this collector has no merged timeline.' });
  }
  if (!rows.length) return empty('Nothing recorded yet.');
  return h('div', {}, note, dataTable([
    { label: 'When (UTC)', value: (r) => num(r.unix_ms), render: (r) => r.time_utc || fmtTime(r.unix_ms) },
    { label: "Laptop's local time", value: (r) => r.local_time || '', render: (r) => h('span', { title: r.zone || '', text: r.local_time || '—' }) },
    { label: 'What', value: (r) => r.type, render: (r) => h('span', { class: ['badge', 'tl-' + String(r.kind || '').replace(/[^a-z]/g, '')], text: r.type }) },
    { label: 'Summary', value: (r) => r.summary },
  ], rows.slice(0, 300), { filterPlaceholder: 'Filter the timeline…', initialSort: { index: 0, dir: -1 }, id: 'timeline' }));
}

// Two reports side by side: the changes in words, then every field that moved.
function diffView(base, reports) {
  if (!reports || reports.length < 2) return empty('Fewer than two reports: nothing to compare yet.');
  const label = (r) => `#${r.seq} · ${fmtTime(r.created_unix_ms)} · ${r.kind}`;
  const pick = (id, idx) => {
    const sel = h('select', { id, 'aria-label': id === 'diff-from' ? 'Compare from report' : 'Compare to report' },
      reports.map((r) => h('option', { value: String(r.seq), text: label(r) })));
    sel.value = String(reports[idx].seq);
    return sel;
  };
  const from = pick('diff-from', 1), to = pick('diff-to', 0);
  const all = h('input', { type: 'checkbox', id: 'diff-all' });
  const out = h('div', { id: 'diff-box' });
  const run = () => load(out, 'Snapshot diff', async () => {
    const r = await get(`${base}/diff?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}${all.checked ? '&all=1' : ''}`);
    const changes = r.changes || [], fields = r.fields || [];
    return h('div', {},
      h('p', {}, `Report #${r.from.seq} (${fmtTime(r.from.created_unix_ms)}) → #${r.to.seq} (${fmtTime(r.to.created_unix_ms)}): `,
        `${changes.length} change${changes.length === 1 ? '' : 's'}, ${fields.length} field${fields.length === 1 ? '' : 's'}.`),
      changes.length ? h('ul', { class: 'plain', id: 'diff-changes' }, changes.map((c) => h('li', {},
        h('span', { class: 'badge tl-change', text: c.type }), ' ', c.summary))) : empty('Nothing an investigator would call a change.'),
      fields.length ? dataTable([
        { label: 'Field', value: (x) => x.path, render: (x) => h('code', { text: x.path }) },
        { label: 'Change', value: (x) => x.change },
        { label: 'Before', value: (x) => x.before },
        { label: 'After', value: (x) => x.after },
      ], fields, { id: 'diff-fields', filterPlaceholder: 'Filter fields…' }) : null);
  });
  const button = h('button', { type: 'button', id: 'diff-run', text: 'Compare', onclick: run });
  return h('div', {}, h('div', { class: 'toolbar wrap' }, h('label', {}, 'From ', from), h('label', {}, 'to ', to),
    h('label', {}, all, ' include agent health, latency and activity'), button), out);
}

// Without the server's heatmap: the snapshot's input-activity buckets, or one
// count per report creation time, in the assignee's (else the laptop's) zone.
function localHeatmap(snap, reports, assignee) {
  const laptopZone = f(f(snap, 'time'), 'iana_zone');
  const zone = (assignee && assignee.timezone) || laptopZone || 'UTC';
  const buckets = (f(f(snap, 'input_activity'), 'devices') || []).flatMap((x) => x.buckets || []);
  const fromInput = buckets.some((b) => num(f(b, 'key_events')) + num(f(b, 'pointer_events')) > 0);
  const src = fromInput ? buckets
    : reports.map((r) => ({ start_unix: Math.floor(num(r.created_unix_ms) / 1000), key_events: 1 }));
  const m = heatmapFromBuckets(src, zone);
  return heatmap({ ...m, caption: `${m.total} ${fromInput ? 'active quarter hours' : 'reports'} in ${m.timezone}, worked out in the browser ` +
    `from the latest snapshot (this collector has no heatmap endpoint).` });
}
