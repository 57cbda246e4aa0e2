// DOM helpers. Every piece of data reaches the page as a text node or an
// attribute value set through the DOM, never as HTML, so a hostname or USB
// string like "<img onerror=…>" is shown, not run. Every string also passes
// through safeText: bidirectional controls in a device string (U+202E…)
// would reorder the text after them on screen, so they become U+FFFD (the
// server already does this for its answers; this covers anything else).

const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
export function safeText(v) { return String(v).replace(BIDI_CONTROLS, '\uFFFD'); }

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = safeText(v);
    else if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'value' && 'value' in el) el.value = typeof v === 'string' ? safeText(v) : v;
    else el.setAttribute(k, v === true ? '' : safeText(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(safeText(c)));
  }
  return el;
}

export function clear(el) { while (el.firstChild) el.firstChild.remove(); return el; }

// proto JSON may come with original (snake_case) or lowerCamel names; read either.
export function f(obj, name) {
  if (!obj || typeof obj !== 'object') return undefined;
  if (name in obj) return obj[name];
  const camel = name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  return obj[camel];
}

export function num(v) { const n = Number(v); return Number.isFinite(n) ? n : 0; }

export function fmtTime(ms) {
  const n = Number(ms);
  if (!n) return '—';
  const d = new Date(n);
  const pad = (x) => String(x).padStart(2, '0');
  // The browser's zone, named: a time without its zone is ambiguous in a report.
  const zone = (new Intl.DateTimeFormat('en', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName') || {}).value || '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}${zone ? ' ' + zone : ''}`;
}

export function fmtAgo(ms) {
  const n = Number(ms);
  if (!n) return 'never';
  const sec = Math.round((Date.now() - n) / 1000);
  if (sec < 0) return 'in the future';
  if (sec < 90) return `${sec} s ago`;
  if (sec < 5400) return `${Math.round(sec / 60)} min ago`;
  if (sec < 172800) return `${Math.round(sec / 3600)} h ago`;
  return `${Math.round(sec / 86400)} d ago`;
}

export function fmtBytes(b) {
  const n = Number(b);
  if (!Number.isFinite(n) || n <= 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0, v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

// The one score format, the same as the server's detect::format_score: at
// most one decimal, never an exponent (499.5, 500, 0.3).
export function fmtScore(v) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Math.round(Number(v) * 10) / 10;
  if (!Number.isFinite(n)) return '—';
  return String(Object.is(n, -0) ? 0 : n);
}

// Text with its http(s) addresses as links (catalog sources cite pages).
// Each piece is a text node or an <a> built through h(): no HTML parsing.
export function withLinks(text) {
  const parts = String(text).split(/(https?:\/\/[^\s)"';,]+)/);
  return parts.filter((p) => p !== '').map((p) => (/^https?:\/\//.test(p)
    ? h('a', { href: p, target: '_blank', rel: 'noopener noreferrer', text: p }) : p));
}

// Cluster kinds as an investigator says them; the rule's code stays as a tooltip.
const CLUSTER_KINDS = {
  shared_gateway_mac: 'Same router (gateway MAC)',
  shared_egress_ip: 'Same public internet address',
  shared_bssid: 'Same Wi-Fi access point',
  shared_monitor_serial: 'Same monitor or capture device (EDID serial)',
  shared_kvm_serial: 'Same KVM (USB serial)',
  borrowed_monitor_serial: 'Monitor seen on another laptop before',
  borrowed_kvm_serial: 'KVM seen on another laptop before',
  silent_together: 'Went silent at the same time',
  answered_in_sequence: 'Presence checks answered in turn, as by one person',
};
export function clusterKind(kind) {
  return h('span', { class: 'cluster-kind', title: kind || '', text: CLUSTER_KINDS[kind] || String(kind || '').replace(/_/g, ' ') });
}

export function hex4(v) { return Number(v || 0).toString(16).padStart(4, '0'); }

export function verdictBadge(level) {
  const l = level || 'unevaluated';
  return h('span', { class: ['badge', 'v-' + l.replace(/[^a-z_]/g, '')], text: l.replace('_', ' ') });
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', { text: title }), ...children);
}

// [[label, value], …] → a definition list; empty values are left out.
export function kv(pairs) {
  const dl = h('dl', { class: 'kv' });
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === '') continue;
    dl.append(h('dt', { text: k }), h('dd', {}, v instanceof Node ? v : String(v)));
  }
  return dl;
}

export function notAvailable(what, detail) {
  return h('p', { class: 'muted not-available' }, `${what}: not available`, detail ? ` (${detail})` : '');
}

export function empty(text) { return h('p', { class: 'muted' }, text); }

export function link(href, text) { return h('a', { href, text }); }

// A table with clickable, sortable headers and an optional text filter.
// columns: [{label, value: row => sortable value, render?: row => Node|string, num?: bool}]
// The text filter matches what a cell shows (its rendered text), never a
// hidden sort key: typing "4" must not match every row whose verdict ranks 4.
// onSort(index, dir) tells the caller (the device list keeps it in the URL).
export function dataTable(columns, rows, { filterPlaceholder, initialSort, id, rowClass, onSort } = {}) {
  let sortIdx = initialSort ? initialSort.index : -1;
  let sortDir = initialSort ? initialSort.dir : 1;
  let filterText = '';
  const tbody = h('tbody');
  const headCells = columns.map((c, i) => h('th', {
    scope: 'col', class: c.num ? 'num sortable' : 'sortable', tabindex: '0', 'aria-sort': 'none',
    onclick: () => sortBy(i), onkeydown: (e) => { if (e.key === 'Enter') sortBy(i); },
  }, c.label));
  const table = h('table', { class: 'data', id }, h('thead', {}, h('tr', {}, headCells)), tbody);
  const count = h('span', { class: 'muted count' });

  function cellText(c, r) { const v = c.value(r); return v === undefined || v === null ? '' : String(v); }
  function shownText(c, r) {
    if (!c.render) return cellText(c, r);
    const n = c.render(r);
    return n instanceof Node ? n.textContent : n === undefined || n === null ? '' : String(n);
  }
  function sortBy(i) {
    sortDir = sortIdx === i ? -sortDir : 1;
    sortIdx = i;
    if (onSort) onSort(i, sortDir);
    render();
  }
  function render() {
    let view = rows;
    if (filterText) {
      const q = filterText.toLowerCase();
      view = rows.filter((r) => columns.some((c) => shownText(c, r).toLowerCase().includes(q)));
    }
    if (sortIdx >= 0) {
      const c = columns[sortIdx];
      view = [...view].sort((a, b) => {
        const x = c.value(a), y = c.value(b);
        if (x === y) return 0;
        if (x === undefined || x === null || x === '') return 1;
        if (y === undefined || y === null || y === '') return -1;
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sortDir;
      });
    }
    headCells.forEach((th, i) => th.setAttribute('aria-sort', i === sortIdx ? (sortDir > 0 ? 'ascending' : 'descending') : 'none'));
    clear(tbody);
    for (const r of view) {
      tbody.append(h('tr', { class: rowClass ? rowClass(r) : undefined },
        columns.map((c) => h('td', { class: c.num ? 'num' : undefined }, c.render ? c.render(r) : cellText(c, r)))));
    }
    if (!view.length) tbody.append(h('tr', {}, h('td', { colspan: String(columns.length), class: 'muted', text: 'nothing to show' })));
    count.textContent = `${view.length} of ${rows.length}`;
  }
  render();
  const wrap = h('div', { class: 'table-wrap' });
  if (filterPlaceholder) {
    const input = h('input', { type: 'search', placeholder: filterPlaceholder, 'aria-label': filterPlaceholder,
      oninput: (e) => { filterText = e.target.value; render(); } });
    wrap.append(h('div', { class: 'toolbar' }, input, count));
  }
  wrap.append(h('div', { class: 'scroll' }, table));
  // New rows keep the reader's sort and filter (the verdict picker uses it).
  wrap.setRows = (next) => { rows = next; render(); };
  return wrap;
}

// Runs an async loader into `box`, showing "not available" for an endpoint the
// collector does not have yet and the API's error text for any other failure.
export async function load(box, what, loader, isMissing) {
  clear(box).append(h('p', { class: 'muted', text: `Loading ${what}…` }));
  try {
    const node = await loader();
    clear(box).append(node);
  } catch (e) {
    clear(box).append(isMissing && isMissing(e) ? notAvailable(what, 'this collector has no such endpoint')
      : h('p', { class: 'error-inline', role: 'alert', text: e.message }));
  }
}
