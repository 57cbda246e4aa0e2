// Alert feed: every verdict change across the fleet, newest first, with its
// why and a triage state (new → acknowledged → resolved, with who and when).
// Filters live in the URL (#/alerts?state=new&since=2026-12-01) so a link or a
// reload shows the same feed. Admins also configure where alerts are sent.
import { get, post, isMissingEndpoint } from '../api.js';
import { h, section, dataTable, fmtTime, link, empty, notAvailable, verdictBadge } from '../dom.js';

const STATES = ['new', 'acknowledged', 'resolved', 'all'];
const stateBadge = (s) => h('span', { class: 'badge a-' + s, text: s });

export default async function alerts(view, ctx, params) {
  const state = params.get('state') || 'new';
  const since = params.get('since') || '';
  const q = new URLSearchParams();
  q.set('state', state);
  if (since) q.set('since', since);
  // The default filter is written into the URL, so a shared link shows what this page shows.
  if (!params.get('state')) history.replaceState(null, '', '#/alerts?' + q.toString());
  const go = (changes) => {
    const next = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) { if (v) next.set(k, v); else next.delete(k); }
    ctx.navigate('#/alerts?' + next.toString());
  };
  view.append(h('div', { class: 'page-head' }, h('h1', { text: 'Alerts' }),
    h('p', { class: 'muted', text: 'Verdict changes across the fleet. Acknowledge what you are looking at; resolve what is done.' }),
    ctx.me.role === 'admin' ? h('p', {}, link('#/alert-channels', 'Delivery channels (webhook, syslog, e-mail)')) : null));

  const tabs = h('div', { class: 'tabs', role: 'tablist' },
    STATES.map((s) => h('button', { type: 'button', role: 'tab', 'data-state': s, 'aria-selected': String(s === state), text: s,
      onclick: () => go({ state: s }) })));
  const sinceInput = h('input', { type: 'date', id: 'alerts-since', value: since.slice(0, 10), 'aria-label': 'Raised since (UTC date)' });
  const filters = h('form', { class: 'inline-form', onsubmit: (e) => { e.preventDefault(); go({ since: sinceInput.value }); } },
    h('label', {}, 'Since (UTC) ', sinceInput), h('button', { type: 'submit', text: 'Filter' }),
    since ? h('button', { type: 'button', text: 'Clear', onclick: () => go({ since: '' }) }) : null);
  view.append(tabs, filters);

  let r;
  try {
    r = await get('/alerts?' + q.toString());
  } catch (e) {
    if (!isMissingEndpoint(e)) throw e;
    view.append(notAvailable('Alerts', 'this collector has no /api/v1/alerts'));
    return;
  }
  const counts = r.counts || {};
  for (const b of tabs.children) {
    const n = counts[b.dataset.state];
    if (n !== undefined) b.textContent = `${b.dataset.state} (${n})`;
  }
  const msg = h('p', { role: 'status', class: 'muted' });
  const canTriage = ctx.me.role !== 'viewer';
  const triage = async (a, to) => {
    try {
      await post(`/alerts/${encodeURIComponent(a.id)}`, { state: to });
      ctx.navigate(location.hash);
    } catch (e) { msg.textContent = e.message; msg.className = 'error-inline'; }
  };
  const rows = r.alerts || [];
  view.append(msg, rows.length === 0 ? empty(state === 'new' ? 'No new alert.' : 'No alert matches.') : dataTable([
    { label: 'Raised', value: (a) => Number(a.raised_unix_ms || 0), render: (a) => h('span', { title: a.raised_utc }, fmtTime(a.raised_unix_ms)) },
    { label: 'Device', value: (a) => a.hostname || a.device_id, render: (a) => link(`#/device/${encodeURIComponent(a.device_id)}`, a.hostname || a.device_id) },
    { label: 'Verdict', value: (a) => a.level, render: (a) => h('span', {}, verdictBadge(a.level),
      a.previous_level ? h('span', { class: 'muted', text: ` was ${a.previous_level}` }) : null) },
    { label: 'Score', num: true, value: (a) => Number(a.score || 0), render: (a) => a.score_text },
    { label: 'Why', value: (a) => a.why || '', render: (a) => h('span', { class: 'why-cell' }, a.why || '—') },
    { label: 'State', value: (a) => a.state, render: (a) => h('span', {}, stateBadge(a.state),
      a.resolved_by ? h('span', { class: 'muted', text: ` by ${a.resolved_by}, ${fmtTime(a.resolved_unix_ms)}` })
        : a.acknowledged_by ? h('span', { class: 'muted', text: ` by ${a.acknowledged_by}, ${fmtTime(a.acknowledged_unix_ms)}` }) : null) },
    { label: '', value: () => '', render: (a) => !canTriage ? '' : h('span', { class: 'actions' },
      a.state === 'new' ? h('button', { type: 'button', class: 'small', 'data-ack': String(a.id), text: 'Acknowledge', onclick: () => triage(a, 'acknowledged') }) : null,
      a.state !== 'resolved' ? h('button', { type: 'button', class: 'small', 'data-resolve': String(a.id), text: 'Resolve', onclick: () => triage(a, 'resolved') }) : null) },
  ], rows, { filterPlaceholder: 'Filter alerts…', id: 'alerts-table' }));
}

// Channels an admin sends alerts to, each with its delivery record and a
// "Send test" button that waits for the receiver's answer.
export async function alertChannels(view, ctx) {
  view.append(h('h1', { text: 'Alert delivery channels' }),
    h('p', { class: 'muted' }, 'Every alert at or above a channel\'s level is delivered to it, retried with backoff until the receiver takes it. ', link('#/alerts', 'Back to alerts')));
  let r;
  try {
    r = await get('/alert-channels');
  } catch (e) {
    if (!isMissingEndpoint(e)) throw e;
    view.append(notAvailable('Alert channels', 'this collector has no /api/v1/alert-channels'));
    return;
  }
  const msg = h('div', { role: 'status', id: 'channel-msg' });
  const kind = h('select', { id: 'ch-kind', 'aria-label': 'Kind' }, ['webhook', 'syslog', 'smtp'].map((k) => h('option', { value: k, text: k })));
  const name = h('input', { id: 'ch-name', required: true, placeholder: 'SOC webhook', 'aria-label': 'Name' });
  const url = h('input', { id: 'ch-url', required: true, placeholder: 'https://siem.example.com/hook', 'aria-label': 'Address', size: '40' });
  const level = h('select', { id: 'ch-level', 'aria-label': 'Minimum level' }, ['review', 'suspicious', 'puppeteered'].map((k) => h('option', { value: k, text: k })));
  const from = h('input', { id: 'ch-from', placeholder: 'telltale@example.com', 'aria-label': 'From' });
  const to = h('input', { id: 'ch-to', placeholder: 'soc@example.com', 'aria-label': 'To' });
  const tls = h('input', { id: 'ch-starttls', type: 'checkbox', 'aria-label': 'Require STARTTLS' });
  const ca = h('input', { id: 'ch-ca', placeholder: '/etc/telltale/smtp-ca.pem (optional)', 'aria-label': 'CA file' });
  const mailFields = h('span', { class: 'inline-form' }, h('label', {}, 'From ', from), h('label', {}, 'To ', to),
    h('label', {}, tls, ' require STARTTLS'), h('label', {}, 'CA file ', ca));
  const hints = { webhook: 'http(s)://host/path', syslog: 'udp://host:514 or tcp://host:6514', smtp: 'smtp://host:25' };
  const sync = () => { mailFields.hidden = kind.value !== 'smtp'; url.placeholder = hints[kind.value]; };
  kind.addEventListener('change', sync);
  sync();
  const form = h('form', { id: 'channel-form', class: 'inline-form', onsubmit: async (e) => {
    e.preventDefault();
    const body = { name: name.value, kind: kind.value, url: url.value, min_level: level.value };
    if (kind.value === 'smtp') Object.assign(body, { mail_from: from.value, mail_to: to.value, starttls: tls.checked, ca_file: ca.value });
    try {
      const c = await post('/alert-channels', body);
      if (c.secret) {
        // Shown once: the receiver needs it to check signatures; the console never shows it again.
        msg.replaceChildren(h('div', { class: 'secret' }, h('strong', { text: `Signing secret of "${c.name}" (shown once): ` }),
          h('input', { class: 'secret-value', id: 'channel-secret', readonly: true, value: c.secret, 'aria-label': 'Signing secret' }),
          h('p', { class: 'muted', text: 'The receiver checks X-Telltale-Signature: sha256=HMAC-SHA256(secret, X-Telltale-Timestamp + "." + body).' }),
          h('button', { type: 'button', text: 'I stored it', onclick: () => ctx.navigate(location.hash) })));
      } else ctx.navigate(location.hash);
    } catch (ex) { msg.replaceChildren(h('p', { class: 'error-inline', text: ex.message })); }
  } }, h('label', {}, 'Kind ', kind), h('label', {}, 'Name ', name), h('label', {}, 'Address ', url),
  h('label', {}, 'Minimum level ', level), mailFields, h('button', { type: 'submit', id: 'ch-add', text: 'Add channel' }));
  view.append(section('Add a channel', form, msg));

  const channels = r.channels || [];
  if (channels.length === 0) { view.append(section('Channels', empty('No channel yet: alerts stay in the console.'))); return; }
  for (const c of channels) {
    const result = h('p', { role: 'status', class: 'muted', 'data-test-result': String(c.id) });
    const test = h('button', { type: 'button', class: 'small', 'data-test': String(c.id), text: 'Send test', onclick: async () => {
      test.disabled = true;
      result.textContent = 'Sending…';
      try {
        const d = await post(`/alert-channels/${c.id}/test`);
        result.textContent = d.state === 'delivered' ? 'Test delivered.' : `Test failed: ${d.last_error}`;
        result.className = d.state === 'delivered' ? 'ok-inline' : 'error-inline';
      } catch (e) { result.textContent = e.message; result.className = 'error-inline'; }
      test.disabled = false;
    } });
    const toggle = h('button', { type: 'button', class: 'small', text: c.enabled ? 'Disable' : 'Enable', onclick: async () => {
      try { await post(`/alert-channels/${c.id}`, { enabled: !c.enabled }); ctx.navigate(location.hash); } catch (e) { ctx.showError(e.message); }
    } });
    const n = c.deliveries || {};
    view.append(h('section', { class: 'card', id: `channel-${c.id}` },
      h('h2', {}, `${c.name} `, h('span', { class: 'badge', text: c.kind }), c.enabled ? '' : h('span', { class: 'muted', text: ' (disabled)' })),
      h('p', {}, h('code', { text: c.url }), ` · level ${c.min_level} and above`, c.mail_to ? ` · to ${c.mail_to}` : '', c.starttls ? ' · STARTTLS required' : ''),
      h('p', { class: 'delivery-counts' }, `Delivered ${n.delivered || 0} · pending ${n.pending || 0} · failed ${n.failed || 0}`),
      c.last_error ? h('p', { class: 'error-inline', 'data-last-error': String(c.id) }, `Last error (${fmtTime(c.last_error_unix_ms)}): ${c.last_error}`) : null,
      h('div', { class: 'actions' }, test, toggle), result,
      (c.recent || []).length ? dataTable([
        { label: 'Delivery', value: (d) => d.id },
        { label: 'Alert', value: (d) => d.test ? 'test' : String(d.alert_id) },
        { label: 'State', value: (d) => d.state, render: (d) => h('span', { class: 'badge d-' + d.state, text: d.state }) },
        { label: 'Attempts', num: true, value: (d) => d.attempts },
        { label: 'Last attempt', value: (d) => Number(d.last_attempt_unix_ms || 0), render: (d) => fmtTime(d.last_attempt_unix_ms) },
        { label: 'Next attempt', value: (d) => Number(d.next_attempt_unix_ms || 0), render: (d) => d.state === 'pending' ? fmtTime(d.next_attempt_unix_ms) : '' },
        { label: 'Error', value: (d) => d.last_error || '' },
      ], c.recent, { id: `deliveries-${c.id}` }) : empty('Nothing delivered yet.')));
  }
}
