// Cases: an investigation of one device, with a status (open → acknowledged →
// false positive / confirmed), an owner, append-only notes and an export.
import { get, post, isMissingEndpoint } from '../api.js';
import { h, section, dataTable, fmtTime, link, empty, notAvailable, verdictBadge, withLinks } from '../dom.js';

const STATUSES = ['open', 'acknowledged', 'false_positive', 'confirmed'];
const statusBadge = (s) => h('span', { class: 'badge s-' + s, text: (s || '').replace('_', ' ') });

export async function caseList(view, ctx) {
  view.append(h('h1', { text: 'Cases' }));
  const tabs = h('div', { class: 'tabs', role: 'tablist' });
  const box = h('div');
  view.append(tabs, box);
  const show = async (status) => {
    for (const b of tabs.children) b.setAttribute('aria-selected', String(b.dataset.status === status));
    box.replaceChildren(h('p', { class: 'muted', text: 'Loading cases…' }));
    try {
      const r = await get('/cases' + (status ? `?status=${encodeURIComponent(status)}` : ''));
      const rows = Array.isArray(r) ? r : r.cases || [];
      box.replaceChildren(rows.length === 0 ? empty(status ? `No ${status.replace('_', ' ')} case.` : 'No case yet: open one from a device page.')
        : dataTable([
          { label: 'ID', value: (c) => Number(c.id), render: (c) => link(`#/case/${encodeURIComponent(c.id)}`, `#${c.id}`) },
          { label: 'Case', value: (c) => c.title || String(c.id), render: (c) => link(`#/case/${encodeURIComponent(c.id)}`, c.title || `Case ${c.id}`) },
          { label: 'Device', value: (c) => c.hostname || c.device_id, render: (c) => link(`#/device/${encodeURIComponent(c.device_id)}`, c.hostname || c.device_id) },
          { label: 'Status', value: (c) => c.status, render: (c) => statusBadge(c.status) },
          { label: 'Owner', value: (c) => c.owner || '' },
          { label: 'Updated', value: (c) => Number(c.updated_unix_ms || 0), render: (c) => fmtTime(c.updated_unix_ms) },
        ], rows, { filterPlaceholder: 'Filter cases…', initialSort: { index: 5, dir: -1 }, id: 'cases-table' }));
    } catch (e) {
      box.replaceChildren(isMissingEndpoint(e) ? notAvailable('Cases', 'this collector has no /api/v1/cases')
        : h('p', { class: 'error-inline', role: 'alert', text: e.message }));
    }
  };
  for (const s of ['', ...STATUSES])
    tabs.append(h('button', { type: 'button', role: 'tab', 'data-status': s, text: s ? s.replace('_', ' ') : 'all', onclick: () => show(s) }));
  await show('');
}

export async function caseDetail(view, ctx, id) {
  const path = `/cases/${encodeURIComponent(id)}`;
  let c;
  try {
    c = await get(path);
  } catch (e) {
    if (!isMissingEndpoint(e)) throw e;
    view.append(h('h1', { text: `Case ${id}` }), notAvailable('Cases', 'this collector has no /api/v1/cases'));
    return;
  }
  const msg = h('p', { role: 'status', class: 'muted' });
  const fail = (e) => { msg.textContent = e.message; msg.className = 'error-inline'; };
  const status = h('select', { id: 'case-status', 'aria-label': 'Status' }, STATUSES.map((s) => h('option', { value: s, text: s.replace('_', ' ') })));
  status.value = c.status;
  // Owners come from the console's users who may work cases (the API checks it too).
  const choices = [...new Set([...(c.owners || []), c.owner].filter(Boolean))];
  const owner = h('select', { id: 'case-owner', 'aria-label': 'Owner' },
    h('option', { value: '', text: '(nobody)' }), choices.map((u) => h('option', { value: u, text: u })));
  owner.value = c.owner || '';
  const save = h('button', { type: 'submit', id: 'case-save', text: 'Save' });
  const form = h('form', { class: 'inline-form', onsubmit: async (e) => {
    e.preventDefault();
    const body = {};
    if (status.value !== c.status) body.status = status.value;
    if (owner.value !== (c.owner || '')) body.owner = owner.value;
    if (!Object.keys(body).length) { msg.textContent = 'Nothing changed.'; msg.className = 'muted'; return; }
    try {
      await post(path, body);
      ctx.navigate(location.hash);
    } catch (ex) { fail(ex); }
  } }, h('label', {}, 'Status ', status), ' ', h('label', {}, 'Owner ', owner), ' ', save,
  ' ', h('button', { type: 'button', text: 'Take it', onclick: () => { if (choices.includes(ctx.me.username)) owner.value = ctx.me.username; } }));

  const dev = c.device || {};
  view.append(h('div', { class: 'page-head' },
    h('h1', {}, h('span', { class: 'case-id', text: `#${c.id} ` }), c.title || `Case ${c.id}`, ' ', statusBadge(c.status)),
    h('p', { class: 'muted' }, 'Device ', link(`#/device/${encodeURIComponent(c.device_id)}`, c.hostname || c.device_id),
      dev.verdict ? h('span', {}, ' ', verdictBadge(dev.verdict)) : null,
      ` · opened by ${c.created_by || '?'} ${fmtTime(c.created_unix_ms)} · updated ${fmtTime(c.updated_unix_ms)}`),
    h('p', { class: 'exports' }, 'Export: ',
      h('a', { href: `/api/v1${path}/export?format=json`, download: `case-${c.id}.json`, id: 'case-export-json', text: 'JSON' }), ' · ',
      h('a', { href: `/api/v1${path}/export?format=html`, target: '_blank', rel: 'noopener', id: 'case-export-html', text: 'printable HTML' }))));
  view.append(section('Status and owner', form, msg));

  const devices = c.devices || [];
  if (devices.length > 1)
    view.append(section(`Laptops in this case (${devices.length})`,
      c.cluster_id ? h('p', { class: 'muted', text: `Opened for cluster ${c.cluster_id}.` }) : null,
      h('ul', { class: 'plain', id: 'case-devices' }, devices.map((d) => h('li', {},
        link(`#/device/${encodeURIComponent(d.device_id)}`, d.hostname || d.device_id), ' ', verdictBadge(d.verdict))))));

  view.append(section('Evidence pinned to this case', pinnedEvidence(c.evidence || [], devices.length > 1),
    h('button', { type: 'button', id: 'case-pin', text: 'Pin the current evidence', onclick: async () => {
      try { await post(`${path}/evidence`); ctx.navigate(location.hash); } catch (ex) { fail(ex); }
    } })));

  const history = c.history || [];
  view.append(section('History', history.length === 0 ? empty('No change yet.')
    : dataTable([
      { label: 'When', value: (x) => Number(x.unix_ms), render: (x) => fmtTime(x.unix_ms) },
      { label: 'Who', value: (x) => x.actor },
      { label: 'Change', value: (x) => historyText(x) },
    ], history, { id: 'case-history', initialSort: { index: 0, dir: 1 } })));

  const notes = c.notes || [];
  const text = h('textarea', { id: 'note-text', rows: '4', maxlength: '10000', placeholder: 'What you checked, whom you asked, what you found…', 'aria-label': 'Note' });
  const noteForm = h('form', { id: 'note-form', onsubmit: async (e) => {
    e.preventDefault();
    if (!text.value.trim()) return;
    try {
      await post(`${path}/notes`, { text: text.value });
      ctx.navigate(location.hash);
    } catch (ex) { fail(ex); }
  } }, text, h('button', { type: 'submit', id: 'note-add', text: 'Add note' }));
  view.append(section(`Notes (${notes.length})`,
    notes.length ? h('ol', { class: 'notes', id: 'notes' }, notes.map((n) => h('li', {},
      h('p', { class: 'muted', text: `${n.author} · ${fmtTime(n.unix_ms)}` }), h('p', { class: 'note-text', text: n.text }))))
      : empty('No notes yet.'),
    noteForm));
}

const STATUS_WORDS = (v) => (v || '').replace('_', ' ');
function historyText(x) {
  if (x.field === 'opened') return 'opened the case';
  if (x.field === 'evidence') return 'pinned the current evidence';
  if (x.field === 'status') return `status ${STATUS_WORDS(x.before)} → ${STATUS_WORDS(x.after)}`;
  if (x.field === 'owner') return `owner ${x.before || '(nobody)'} → ${x.after || '(nobody)'}`;
  return `${x.field} ${x.before} → ${x.after}`;
}

// Each pin is the device's grouped evidence as it was then: one card per
// physical thing, its indicators and their facts, newest pin first.
function pinnedEvidence(pins, showDevice) {
  if (!pins.length) return empty('Nothing pinned yet.');
  return h('div', { id: 'case-evidence' }, [...pins].reverse().map((p) => h('div', { class: 'card pinned' },
    h('p', {}, showDevice ? h('strong', { text: (p.hostname || p.device_id) + ' ' }) : null, verdictBadge(p.verdict),
      p.score_text ? ` score ${p.score_text}` : '', h('span', { class: 'muted', text: ` · pinned by ${p.pinned_by} ${fmtTime(p.pinned_unix_ms)}` })),
    p.why ? h('p', { class: 'why', text: p.why }) : null,
    (p.groups || []).length === 0 ? empty('No indicator at the time.') : h('ul', { class: 'plain' }, p.groups.map((g) => h('li', {},
      h('span', { class: 'badge sev-' + (g.severity || 'info'), text: g.severity || 'info' }), ' ', h('strong', { text: g.label }),
      h('ul', {}, (g.indicators || []).map((i) => h('li', {}, i.title || i.id,
        (i.facts || []).length ? h('span', { class: 'muted' }, ' — ', ...withLinks(i.facts.map((f) => `${f.key}: ${f.value}`).join('; '))) : null)))))))));
}
