// Cases: an investigation of one device, with a status (open → acknowledged →
// false positive / confirmed), an owner, append-only notes and an export.
import { get, post, isMissingEndpoint } from '../api.js';
import { h, section, dataTable, fmtTime, link, empty, notAvailable, verdictBadge } from '../dom.js';

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
          { label: 'Case', value: (c) => c.title || String(c.id), render: (c) => link(`#/case/${encodeURIComponent(c.id)}`, c.title || `Case ${c.id}`) },
          { label: 'Device', value: (c) => c.hostname || c.device_id, render: (c) => link(`#/device/${encodeURIComponent(c.device_id)}`, c.hostname || c.device_id) },
          { label: 'Status', value: (c) => c.status, render: (c) => statusBadge(c.status) },
          { label: 'Owner', value: (c) => c.owner || '' },
          { label: 'Updated', value: (c) => Number(c.updated_unix_ms || 0), render: (c) => fmtTime(c.updated_unix_ms) },
        ], rows, { filterPlaceholder: 'Filter cases…', initialSort: { index: 4, dir: -1 }, id: 'cases-table' }));
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
  const owner = h('input', { id: 'case-owner', value: c.owner || '', placeholder: 'console user', 'aria-label': 'Owner' });
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
  ' ', h('button', { type: 'button', text: 'Take it', onclick: () => { owner.value = ctx.me.username; } }));

  const dev = c.device || {};
  view.append(h('div', { class: 'page-head' },
    h('h1', {}, c.title || `Case ${c.id}`, ' ', statusBadge(c.status)),
    h('p', { class: 'muted' }, 'Device ', link(`#/device/${encodeURIComponent(c.device_id)}`, c.hostname || c.device_id),
      dev.verdict ? h('span', {}, ' ', verdictBadge(dev.verdict)) : null,
      ` · opened by ${c.created_by || '?'} ${fmtTime(c.created_unix_ms)} · updated ${fmtTime(c.updated_unix_ms)}`),
    h('p', { class: 'exports' }, 'Export: ',
      h('a', { href: `/api/v1${path}/export?format=json`, download: `case-${c.id}.json`, id: 'case-export-json', text: 'JSON' }), ' · ',
      h('a', { href: `/api/v1${path}/export?format=html`, target: '_blank', rel: 'noopener', id: 'case-export-html', text: 'printable HTML' }))));
  view.append(section('Status and owner', form, msg));

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
