// Clusters: devices the fleet rules tied together (a shared gateway, egress
// address, KVM or monitor serial). Each cluster with its members and shared
// evidence, then every pair of devices with what links them.
import { get, post } from '../api.js';
import { h, section, dataTable, fmtTime, link, empty, verdictBadge, clusterKind } from '../dom.js';

export default async function clusters(view, ctx) {
  view.append(h('h1', { text: 'Clusters' }));
  const [{ clusters: list }, devs] = await Promise.all([get('/clusters'), get('/devices').catch(() => ({ devices: [] }))]);
  const byId = new Map((devs.devices || []).map((d) => [d.device_id, d]));
  const devLink = (id) => {
    const d = byId.get(id);
    // The assignee is the point of a cluster: different people, one KVM or network.
    const who = d && d.assignee && (d.assignee.employee || d.assignee.email);
    return h('span', {}, link(`#/device/${encodeURIComponent(id)}`, (d && d.hostname) || id), ' ', d ? verdictBadge(d.verdict) : null,
      who ? h('span', { class: 'muted', text: ` ${who}` }) : null);
  };
  if (!list.length) {
    view.append(section('No clusters', empty('No two devices share a gateway, egress address, Wi-Fi network, KVM or monitor.')));
    return;
  }
  // Pairs of members and the clusters (kinds) they share.
  const pairs = new Map();
  for (const c of list) {
    const m = [...(c.members || [])].sort();
    for (let i = 0; i < m.length; i++)
      for (let j = i + 1; j < m.length; j++) {
        const key = m[i] + '\u0000' + m[j];
        if (!pairs.has(key)) pairs.set(key, { a: m[i], b: m[j], links: [] });
        pairs.get(key).links.push(`${clusterKind(c.kind).textContent}: ${c.key}`);
      }
  }
  view.append(section('Links between devices', dataTable([
    { label: 'Device', value: (p) => (byId.get(p.a) || {}).hostname || p.a, render: (p) => devLink(p.a) },
    { label: 'Device', value: (p) => (byId.get(p.b) || {}).hostname || p.b, render: (p) => devLink(p.b) },
    { label: 'Shared', value: (p) => p.links.join('; ') },
    { label: 'Links', value: (p) => p.links.length, num: true },
  ], [...pairs.values()], { filterPlaceholder: 'Filter links…', initialSort: { index: 3, dir: -1 }, id: 'cluster-links' })));

  for (const c of list) {
    const detail = c.detail && typeof c.detail === 'object' ? c.detail : {};
    const evidence = detail.evidence || c.evidence || [];
    view.append(h('section', { class: 'card cluster' },
      h('h2', {}, clusterKind(c.kind), ' ', h('code', { text: c.key })),
      h('p', { class: 'muted', text: `${(c.members || []).length} members · first seen ${fmtTime(c.first_seen_unix_ms)} · last seen ${fmtTime(c.last_seen_unix_ms)}` }),
      h('ul', { class: 'plain' }, (c.members || []).map((m) => h('li', {}, devLink(m)))),
      ctx && ctx.me.role !== 'viewer' ? clusterCaseButton(c, ctx) : null,
      evidence.length ? h('table', { class: 'evidence' }, h('tbody', {}, evidence.map((e) =>
        h('tr', {}, h('th', { scope: 'row', text: e.key || '' }), h('td', { text: e.value || '' }))))) : empty('No shared evidence recorded.')));
  }
}

// One case naming and linking every member laptop of the cluster.
function clusterCaseButton(c, ctx) {
  const msg = h('span', { role: 'status' });
  const n = (c.members || []).length;
  return h('p', {}, h('button', { type: 'button', class: 'open-cluster-case', 'data-cluster': c.cluster_id,
    text: `Open one case for these ${n} laptops`, onclick: async () => {
      try {
        const k = await post('/cases', { cluster_id: c.cluster_id });
        ctx.navigate(`#/case/${encodeURIComponent(k.id)}`);
      } catch (e) {
        const existing = e.status === 409 && e.data && e.data.existing_case;
        msg.replaceChildren(h('span', { class: 'warning', text: e.message.replace(/; send duplicate_ok.*$/, '') + ' ' }),
          existing ? link(`#/case/${encodeURIComponent(existing)}`, `Open case #${existing}`) : '');
      }
    } }), ' ', msg);
}
