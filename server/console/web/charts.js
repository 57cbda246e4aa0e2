// Hand-written SVG charts (no library, nothing inline the CSP would refuse:
// colours come from classes in style.css, geometry from attributes).
import { h, s, fmtTime, num } from './dom.js';

// RTT over time: median and p95 per point, microseconds shown as ms.
export function rttChart(points) {
  const W = 720, H = 220, L = 56, R = 12, T = 12, B = 36;
  const pts = points.map((p) => ({ t: num(p.unix_ms), med: num(p.median_us) / 1000, p95: num(p.p95_us) / 1000, n: num(p.samples) }))
    .filter((p) => p.t > 0).sort((a, b) => a.t - b.t);
  if (!pts.length) return h('p', { class: 'muted', text: 'No round-trip samples in this window.' });
  const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1);
  const ymax = niceMax(Math.max(...pts.map((p) => Math.max(p.med, p.p95)), 1));
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => T + (1 - v / ymax) * (H - T - B);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart rtt', role: 'img', 'aria-label': 'Round-trip time to the collector' });
  for (let i = 0; i <= 4; i++) {
    const v = (ymax * i) / 4;
    svg.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: L - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, `${v.toFixed(v < 10 ? 1 : 0)} ms`));
  }
  for (const t of [t0, (t0 + t1) / 2, t1])
    svg.append(s('text', { x: x(t), y: H - 12, class: 'axis', 'text-anchor': 'middle' }, fmtTime(t)));
  const line = (key, cls) => s('polyline', { class: cls, points: pts.map((p) => `${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ') });
  svg.append(line('p95', 'line p95'), line('med', 'line median'));
  for (const p of pts)
    svg.append(s('circle', { cx: x(p.t), cy: y(p.med), r: 2.5, class: 'dot median' },
      s('title', {}, `${fmtTime(p.t)}: median ${p.med.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms, ${p.n} samples`)));
  const legend = h('p', { class: 'legend' }, h('span', { class: 'key median' }), ' median ', h('span', { class: 'key p95' }), ' p95');
  return h('figure', { class: 'chart-box' }, svg, legend);
}

function niceMax(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// Activity by hour (columns) and weekday (rows) in the zone the data names.
// cells: 7 arrays of 24 counts; shade = count relative to the busiest cell.
export function heatmap({ weekdays, cells, timezone, caption }) {
  const CW = 26, CH = 22, L = 44, T = 22;
  const W = L + 24 * CW + 4, H = T + 7 * CH + 4;
  const max = Math.max(1, ...cells.flat().map(num));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart heatmap', id: 'heatmap', role: 'img',
    'aria-label': `Activity by hour and weekday in ${timezone || 'UTC'}` });
  for (let hr = 0; hr < 24; hr += 3)
    svg.append(s('text', { x: L + hr * CW + CW / 2, y: T - 7, class: 'axis', 'text-anchor': 'middle' }, String(hr).padStart(2, '0')));
  weekdays.forEach((day, d) => {
    svg.append(s('text', { x: L - 6, y: T + d * CH + CH / 2 + 4, class: 'axis', 'text-anchor': 'end' }, day));
    for (let hr = 0; hr < 24; hr++) {
      const n = num((cells[d] || [])[hr]);
      const level = n === 0 ? 0 : Math.min(5, 1 + Math.floor((n / max) * 4.999));
      svg.append(s('rect', { x: L + hr * CW, y: T + d * CH, width: CW - 2, height: CH - 2, rx: 2, class: `heat heat-${level}` },
        s('title', {}, `${day} ${String(hr).padStart(2, '0')}:00–${String(hr).padStart(2, '0')}:59: ${n}`)));
    }
  });
  return h('figure', { class: 'chart-box' }, svg, h('figcaption', { class: 'muted' }, caption || ''));
}

// Without the server's heatmap endpoint: the latest snapshot's 15-minute
// input-activity buckets, placed in `zone` with the browser's tz database.
export function heatmapFromBuckets(buckets, zone) {
  const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const cells = weekdays.map(() => new Array(24).fill(0));
  let fmt;
  try {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone || 'UTC', weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
  } catch {
    zone = 'UTC';
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
  }
  let total = 0;
  for (const b of buckets || []) {
    const events = num(b.key_events ?? b.keyEvents) + num(b.pointer_events ?? b.pointerEvents);
    if (!events) continue;
    const parts = Object.fromEntries(fmt.formatToParts(new Date(num(b.start_unix ?? b.startUnix) * 1000)).map((p) => [p.type, p.value]));
    const d = weekdays.indexOf(parts.weekday), hr = Number(parts.hour) % 24;
    if (d >= 0) { cells[d][hr] += 1; total++; }
  }
  return { weekdays, cells, timezone: zone || 'UTC', total };
}
