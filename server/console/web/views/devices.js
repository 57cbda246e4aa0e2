// Devices: every enrolled device with its latest verdict and why. The search
// runs in the API (hostname, serial, user, e-mail, device id, USB VID:PID,
// KVM/EDID serial, IP, gateway…) and each hit says which field matched. The
// verdict filter, search and sort live in the URL (#/devices?verdict=…&q=…
// &sort=…&order=…), so a verdict tile or a shared link opens the same list.
import { get, post } from '../api.js';
import { h, section, dataTable, fmtTime, fmtAgo, fmtScore, verdictBadge, link, num, clear } from '../dom.js';

const RANK = { puppeteered: 4, suspicious: 3, review: 2, clean: 1, unevaluated: 0 };
const LEVELS = ['puppeteered', 'suspicious', 'review', 'clean', 'unevaluated'];

const columns = [
  { key: 'hostname', label: 'Device', value: (d) => d.hostname || d.device_id,
    render: (d) => h('span', { class: 'hostname' }, link(`#/device/${encodeURIComponent(d.device_id)}`, d.hostname || d.device_id),
      d.revoked ? h('span', { class: 'badge revoked', text: 'revoked' }) : null) },
  // Sorted by severity, not alphabetically.
  { key: 'verdict', label: 'Verdict', value: (d) => RANK[d.verdict || 'unevaluated'] ?? 0, render: (d) => verdictBadge(d.verdict) },
  { key: 'score', label: 'Score', value: (d) => (d.score === null || d.score === undefined ? null : num(d.score)), render: (d) => fmtScore(d.score), num: true },
  { key: 'why', label: 'Why', value: (d) => d.why || '', render: (d) => h('span', { class: 'why', text: d.why || '' }) },
  { key: 'assignee', label: 'Assignee', value: (d) => (d.assignee && (d.assignee.employee || d.assignee.email)) || '' },
  { key: 'last_seen', label: 'Last seen', value: (d) => num(d.last_seen_unix_ms),
    render: (d) => h('span', { title: fmtTime(d.last_seen_unix_ms), text: fmtAgo(d.last_seen_unix_ms) }) },
  { key: 'timezone', label: 'Timezone', value: (d) => d.timezone || '' },
  { key: 'location', label: 'Location hint', value: (d) => d.location_hint || '' },
  { key: 'agent', label: 'Agent', value: (d) => d.agent_version || '' },
];
const matchedColumn = { key: 'matched', label: 'Matched', value: (d) => (d.matches || []).join('; '),
  render: (d) => h('span', { class: 'matched muted', text: (d.matches || []).join('; ') }) };
// Sort keys the API orders by; the others are sorted here.
const SERVER_SORTS = ['hostname', 'verdict', 'score', 'last_seen'];

export default async function devices(view, ctx, param, params = new URLSearchParams()) {
  const state = {
    // "#/devices/suspicious" (older links) means ?verdict=suspicious.
    verdict: params.get('verdict') || (LEVELS.includes(param) ? param : ''),
    q: params.get('q') || '',
    sort: params.get('sort') || 'verdict',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
  };
  if (!LEVELS.includes(state.verdict)) state.verdict = '';
  view.append(h('h1', { text: 'Devices' }));
  const search = h('input', { type: 'search', id: 'device-search', value: state.q, 'aria-label': 'Search devices',
    placeholder: 'Search: host, serial, user, e-mail, device id, 1d6b:0104, KVM serial, IP…' });
  const select = h('select', { id: 'verdict-filter', 'aria-label': 'Verdict' },
    ['', ...LEVELS].map((v) => h('option', { value: v, text: v || 'any verdict' })));
  select.value = state.verdict;
  const status = h('span', { class: 'muted count', id: 'devices-count', role: 'status' });
  const box = h('div', { id: 'devices-box' });
  const csv = h('a', { id: 'devices-csv', href: '/api/v1/devices?format=csv', download: 'telltale-devices.csv', text: 'CSV of this list' });
  const card = section('Devices', h('div', { class: 'toolbar wrap' }, search, h('label', {}, 'Verdict ', select), status, csv), box);
  view.append(card);
  // Bulk assign (investigators): pick laptops, then open or assign a case for
  // each in one action; the API audits every device on its own.
  const selected = new Set();
  const canWork = ctx.me.role !== 'viewer';
  const bulk = h('div', { class: 'toolbar wrap bulk', id: 'bulk-bar', hidden: true });
  const bulkResult = h('div', { id: 'bulk-result', role: 'status' });
  if (canWork) card.append(bulk, bulkResult);
  const selectColumn = { key: 'select', label: 'Select', value: (d) => (selected.has(d.device_id) ? 1 : 0),
    render: (d) => h('input', { type: 'checkbox', class: 'select-device', 'aria-label': `Select ${d.hostname || d.device_id}`,
      'data-device': d.device_id, checked: selected.has(d.device_id) || undefined,
      onchange: (e) => { if (e.target.checked) selected.add(d.device_id); else selected.delete(d.device_id); showBulk(); } }) };
  let owners = null;
  let shownRows = [];
  async function showBulk() {
    if (!canWork) return;
    bulk.hidden = selected.size === 0;
    if (bulk.hidden) return;
    if (!owners) owners = (await get('/cases/owners').catch(() => ({ owners: [ctx.me.username] }))).owners || [];
    const owner = h('select', { id: 'bulk-owner', 'aria-label': 'Owner' }, owners.map((u) => h('option', { value: u, text: u })));
    owner.value = owners.includes(ctx.me.username) ? ctx.me.username : owners[0] || '';
    bulk.replaceChildren(h('strong', { id: 'bulk-count', text: `${selected.size} selected` }),
      h('label', {}, 'Owner ', owner),
      h('button', { type: 'button', id: 'bulk-assign', text: 'Open or assign cases', onclick: async () => {
        try {
          const r = await post('/cases/bulk', { device_ids: [...selected], owner: owner.value });
          bulkResult.replaceChildren(h('p', { text: `Opened ${r.opened} case${r.opened === 1 ? '' : 's'}, assigned ${r.assigned} to ${owner.value}.` }),
            h('ul', { class: 'plain' }, r.results.map((x) => h('li', {}, x.case_id
              ? link(`#/case/${encodeURIComponent(x.case_id)}`, `#${x.case_id} ${x.hostname}`) : x.device_id, ` — ${x.error || x.action}`))));
          selected.clear();
          await reload();
        } catch (e) { bulkResult.replaceChildren(h('p', { class: 'error-inline', text: e.message })); }
      } }),
      h('button', { type: 'button', class: 'secondary', text: 'Select all shown', onclick: () => { for (const d of shownRows) selected.add(d.device_id); reload(); } }),
      h('button', { type: 'button', class: 'secondary', text: 'Clear', onclick: () => { selected.clear(); reload(); } }));
  }

  function urlQuery() {
    const p = new URLSearchParams();
    if (state.verdict) p.set('verdict', state.verdict);
    if (state.q) p.set('q', state.q);
    p.set('sort', state.sort);
    p.set('order', state.order);
    return p.toString();
  }
  // replaceState: the URL follows the list without a hashchange (which would
  // rebuild the page and take the focus out of the search box).
  const remember = () => history.replaceState(null, '', `#/devices?${urlQuery()}`);

  let generation = 0;
  async function reload() {
    const mine = ++generation;
    remember();
    const api = new URLSearchParams();
    if (state.verdict) api.set('verdict', state.verdict);
    if (state.q.trim()) api.set('q', state.q);
    if (SERVER_SORTS.includes(state.sort)) { api.set('sort', state.sort); api.set('order', state.order); }
    csv.setAttribute('href', `/api/v1/devices?${api.toString()}${api.toString() ? '&' : ''}format=csv`);
    const { devices: rows } = await get(`/devices?${api.toString()}`);
    if (mine !== generation) return;  // a newer keystroke already asked
    shownRows = rows;
    const base = state.q.trim() ? [...columns.slice(0, 4), matchedColumn, ...columns.slice(4)] : columns;
    const cols = canWork ? [...base, selectColumn] : base;
    let index = cols.findIndex((c) => c.key === state.sort);
    if (index < 0) index = 1;
    const table = dataTable(cols, rows, {
      initialSort: { index, dir: state.order === 'asc' ? 1 : -1 }, id: 'devices-table',
      rowClass: (d) => (d.revoked ? 'revoked' : undefined),
      onSort: (i, dir) => { state.sort = cols[i].key; state.order = dir > 0 ? 'asc' : 'desc'; remember(); },
    });
    status.textContent = `${rows.length} device${rows.length === 1 ? '' : 's'}` +
      (state.q.trim() ? ` matching "${state.q.trim()}"` : '') + (state.verdict ? ` with verdict ${state.verdict}` : '');
    clear(box).append(table);
    await showBulk();
  }
  let timer = null;
  search.addEventListener('input', () => {
    state.q = search.value;
    clearTimeout(timer);
    timer = setTimeout(() => reload().catch((e) => ctx.showError(e.message)), 250);
  });
  select.addEventListener('change', () => { state.verdict = select.value; reload().catch((e) => ctx.showError(e.message)); });
  await reload();
}
