// Devices: every enrolled device with its latest verdict, sortable by any
// column (click a header) and filtered by text and verdict.
import { get } from '../api.js';
import { h, section, dataTable, fmtTime, fmtAgo, fmtScore, verdictBadge, link, num } from '../dom.js';

const RANK = { puppeteered: 4, suspicious: 3, review: 2, clean: 1, unevaluated: 0 };
const LEVELS = ['puppeteered', 'suspicious', 'review', 'clean', 'unevaluated'];

const columns = [
  { label: 'Device', value: (d) => d.hostname || d.device_id,
    render: (d) => h('span', {}, link(`#/device/${encodeURIComponent(d.device_id)}`, d.hostname || d.device_id),
      d.revoked ? h('span', { class: 'badge revoked', text: 'revoked' }) : null) },
  // Sorted by severity, not alphabetically.
  { label: 'Verdict', value: (d) => RANK[d.verdict || 'unevaluated'] ?? 0, render: (d) => verdictBadge(d.verdict) },
  { label: 'Score', value: (d) => (d.score === null || d.score === undefined ? null : num(d.score)), render: (d) => fmtScore(d.score), num: true },
  { label: 'Assignee', value: (d) => (d.assignee && (d.assignee.employee || d.assignee.email)) || '' },
  { label: 'Last seen', value: (d) => num(d.last_seen_unix_ms),
    render: (d) => h('span', { title: fmtTime(d.last_seen_unix_ms), text: fmtAgo(d.last_seen_unix_ms) }) },
  { label: 'Timezone', value: (d) => d.timezone || '' },
  { label: 'Location hint', value: (d) => d.location_hint || '' },
  { label: 'Agent', value: (d) => d.agent_version || '' },
];

export default async function devices(view, ctx, param) {
  view.append(h('h1', { text: 'Devices' }));
  const { devices: rows } = await get('/devices');
  // The verdict filter matches the verdict itself (the text filter matches any
  // column), so "review" does not also pick a host named "review-lab".
  const select = h('select', { id: 'verdict-filter', 'aria-label': 'Verdict' },
    ['', ...LEVELS].map((v) => h('option', { value: v, text: v || 'any verdict' })));
  select.value = LEVELS.includes(param) ? param : '';
  const subset = () => (select.value ? rows.filter((d) => (d.verdict || 'unevaluated') === select.value) : rows);
  const table = dataTable(columns, subset(), { filterPlaceholder: 'Filter: host, assignee, zone…',
    initialSort: { index: 1, dir: -1 }, id: 'devices-table', rowClass: (d) => (d.revoked ? 'revoked' : undefined) });
  select.addEventListener('change', () => table.setRows(subset()));
  view.append(section(`${rows.length} devices`, h('div', { class: 'toolbar' }, h('label', {}, 'Verdict ', select)), table));
}
