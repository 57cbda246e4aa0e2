// Admin: enrollment tokens, users and roles, API tokens, assignments import,
// catalog version, agent health, audit log. Each panel loads on its own so one
// endpoint missing (older collector) or failing does not hide the others.
import { get, post, isMissingEndpoint } from '../api.js';
import { h, section, dataTable, fmtTime, fmtAgo, fmtBytes, link, empty, load, num } from '../dom.js';

const ROLES = ['viewer', 'investigator', 'admin'];

// A secret shown once, selectable, with the reason it will not be shown again.
function secret(label, value) {
  return h('div', { class: 'secret', role: 'status' }, h('p', { text: `${label} (shown once; copy it now):` }),
    h('input', { readonly: true, value, class: 'secret-value', 'aria-label': label, onfocus: (e) => e.target.select() }));
}

function panel(view, title, id, loader) {
  const box = h('div', { id });
  view.append(section(title, box));
  const reload = () => load(box, title, () => loader(reload), isMissingEndpoint);
  reload();
}

export default async function admin(view, ctx) {
  view.append(h('h1', { text: 'Admin' }));
  if (ctx.me.role !== 'admin') {
    view.append(empty('Your role is not admin.'));
    return;
  }

  panel(view, 'Enrollment tokens', 'admin-tokens', async (reload) => {
    const { tokens } = await get('/enrollment-tokens');
    const out = h('div');
    const uses = h('input', { type: 'number', min: '1', value: '1', id: 'token-uses', 'aria-label': 'Max uses' });
    const ttl = h('input', { type: 'number', min: '1', max: '8784', value: '24', id: 'token-ttl', 'aria-label': 'Valid for hours' });
    const note = h('input', { id: 'token-note', placeholder: 'note, e.g. "Q3 laptops"', 'aria-label': 'Note' });
    const form = h('form', { class: 'inline-form', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const t = await post('/enrollment-tokens', { max_uses: Number(uses.value), ttl_hours: Number(ttl.value), note: note.value });
        await reload();
        document.getElementById('admin-tokens').prepend(secret(`Token ${t.id}${t.address ? ' for ' + t.address : ''}`, t.token));
      } catch (ex) { out.replaceChildren(h('p', { class: 'error-inline', role: 'alert', text: ex.message })); }
    } }, h('label', {}, 'Uses ', uses), ' ', h('label', {}, 'Valid (h) ', ttl), ' ', note, ' ',
    h('button', { type: 'submit', text: 'Create token' }));
    const table = dataTable([
      { label: 'Id', value: (t) => t.id },
      { label: 'Note', value: (t) => t.note || '' },
      { label: 'Uses', value: (t) => `${num(t.uses)} / ${num(t.max_uses)}` },
      { label: 'Expires', value: (t) => num(t.expires_unix_ms), render: (t) => fmtTime(t.expires_unix_ms) },
      { label: 'State', value: (t) => (t.revoked ? 'revoked' : num(t.expires_unix_ms) < Date.now() ? 'expired' : num(t.uses) >= num(t.max_uses) ? 'used up' : 'valid') },
      { label: '', value: () => '', render: (t) => (t.revoked ? '' : h('button', { type: 'button', class: 'small', text: 'Revoke', onclick: async () => {
        try { await post(`/enrollment-tokens/${encodeURIComponent(t.id)}/revoke`); await reload(); } catch (ex) { ctx.showError(ex.message); }
      } })) },
    ], tokens, { initialSort: { index: 3, dir: -1 } });
    return h('div', {}, form, out, table);
  });

  panel(view, 'Users and roles', 'admin-users', async (reload) => {
    const { users } = await get('/users');
    const out = h('div');
    const name = h('input', { id: 'user-name', placeholder: 'user name', required: true, 'aria-label': 'User name' });
    const role = h('select', { id: 'user-role', 'aria-label': 'Role' }, ROLES.map((r) => h('option', { value: r, text: r })));
    role.value = 'investigator';
    const fail = (ex) => out.replaceChildren(h('p', { class: 'error-inline', role: 'alert', text: ex.message }));
    const form = h('form', { class: 'inline-form', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const u = await post('/users', { username: name.value, role: role.value });
        await reload();
        document.getElementById('admin-users').prepend(secret(`One-time password for ${u.username}`, u.one_time_password));
      } catch (ex) { fail(ex); }
    } }, name, ' ', role, ' ', h('button', { type: 'submit', text: 'Create user' }));
    const table = dataTable([
      { label: 'User', value: (u) => u.username },
      { label: 'Role', value: (u) => u.role, render: (u) => {
        const sel = h('select', { 'aria-label': `Role of ${u.username}` }, ROLES.map((r) => h('option', { value: r, text: r })));
        sel.value = u.role;
        sel.addEventListener('change', async () => {
          try { await post(`/users/${encodeURIComponent(u.username)}/role`, { role: sel.value }); await reload(); }
          catch (ex) { sel.value = u.role; fail(ex); }
        });
        return sel;
      } },
      { label: 'Password', value: (u) => (u.must_change_password ? 'one-time (not yet changed)' : 'set') },
      { label: 'State', value: (u) => (u.disabled ? 'disabled' : 'enabled') },
      { label: '', value: () => '', render: (u) => h('span', { class: 'actions' },
        u.disabled ? null : h('button', { type: 'button', class: 'small', text: 'New API token', onclick: async () => {
          try {
            const t = await post('/api-tokens', { username: u.username });
            document.getElementById('admin-users').prepend(secret(`API token ${t.id} for ${t.username}, valid until ${fmtTime(t.expires_unix_ms)} (telltale-ctl --token)`, t.token));
          } catch (ex) { fail(ex); }
        } }),
        u.username === ctx.me.username ? null : h('button', {
          type: 'button', class: u.disabled ? 'small' : 'small danger', text: u.disabled ? 'Enable' : 'Disable',
          'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.username}`,
          onclick: async () => {
            try { await post(`/users/${encodeURIComponent(u.username)}/${u.disabled ? 'enable' : 'disable'}`); await reload(); }
            catch (ex) { fail(ex); }
          } })) },
    ], users, { initialSort: { index: 0, dir: 1 }, id: 'users-table' });
    return h('div', {}, form, out, table);
  });

  panel(view, 'API tokens', 'admin-api-tokens', async (reload) => {
    const { tokens } = await get('/api-tokens');
    return dataTable([
      { label: 'Id', value: (t) => t.id },
      { label: 'User', value: (t) => t.username },
      { label: 'Created', value: (t) => num(t.created_unix_ms), render: (t) => fmtTime(t.created_unix_ms) },
      { label: 'Expires', value: (t) => num(t.expires_unix_ms), render: (t) => fmtTime(t.expires_unix_ms) },
      { label: 'State', value: (t) => (t.state === 'revoked' && t.revoked_reason ? `revoked (${t.revoked_reason})` : t.state) },
      { label: '', value: () => '', render: (t) => (t.state !== 'valid' ? '' : h('button', { type: 'button', class: 'small', text: 'Revoke',
        'aria-label': `Revoke API token ${t.id}`, onclick: async () => {
          try { await post(`/api-tokens/${encodeURIComponent(t.id)}/revoke`); await reload(); } catch (ex) { ctx.showError(ex.message); }
        } })) },
    ], tokens, { initialSort: { index: 2, dir: -1 }, id: 'api-tokens-table', filterPlaceholder: 'Filter API tokens…' });
  });

  panel(view, 'Assignments', 'admin-assignments', async (reload) => {
    const { assignments } = await get('/assignments');
    const out = h('div');
    const file = h('input', { type: 'file', accept: '.csv,text/csv', id: 'assignments-file', 'aria-label': 'Assignments CSV file' });
    const text = h('textarea', { id: 'assignments-csv', rows: '4', 'aria-label': 'Assignments CSV',
      placeholder: 'device,employee,email,timezone,region\n5CG1234XYZ,Jordan Lee,jordan@example.com,America/Chicago,US-IL' });
    file.addEventListener('change', async () => { if (file.files[0]) text.value = await file.files[0].text(); });
    const form = h('form', { onsubmit: async (e) => {
      e.preventDefault();
      try {
        const r = await post('/assignments', text.value, 'text/csv');
        await reload();
        document.getElementById('admin-assignments').prepend(h('p', { class: 'notice', role: 'status', text: `Imported ${r.imported} assignments; the previous list was replaced.` }));
      } catch (ex) { out.replaceChildren(h('p', { class: 'error-inline', role: 'alert', text: ex.message })); }
    } }, h('p', { class: 'muted', text: 'CSV with a header: device (id or DMI serial), employee, email, timezone (IANA), region. An import replaces the whole list; a bad line refuses the whole file.' }),
    file, text, h('button', { type: 'submit', id: 'assignments-import', text: 'Import' }));
    return h('div', {}, form, out, dataTable([
      { label: 'Device', value: (a) => a.device },
      { label: 'Employee', value: (a) => a.employee },
      { label: 'Email', value: (a) => a.email },
      { label: 'Timezone', value: (a) => a.timezone },
      { label: 'Region', value: (a) => a.region },
    ], assignments, { filterPlaceholder: 'Filter assignments…' }));
  });

  panel(view, 'Detection catalog', 'admin-catalog', async () => {
    const c = await get('/catalog');
    const versions = Object.entries(c.verdict_catalog_versions || {});
    return h('div', {}, h('p', {}, 'Built-in catalog version ', h('strong', { id: 'catalog-version', text: c.version || '?' }),
      ` · ${(c.rules || []).length} rules${c.zones !== undefined ? ` · ${c.zones} zones, ${c.regions} regions` : ''}.`),
    versions.length ? h('p', { class: 'muted', text: 'Latest verdicts by catalog version: ' + versions.map(([v, n]) => `${v || '(none)'}: ${n}`).join(', ') }) : null);
  });

  panel(view, 'Agent health', 'admin-health', async () => {
    const r = await get('/agent-health');
    const agents = Array.isArray(r) ? r : r.agents || [];
    return dataTable([
      { label: 'Device', value: (a) => a.hostname || a.device_id, render: (a) => link(`#/device/${encodeURIComponent(a.device_id)}`, a.hostname || a.device_id) },
      { label: 'Agent', value: (a) => a.agent_version || '' },
      { label: 'RSS', value: (a) => num(a.rss_bytes), render: (a) => fmtBytes(a.rss_bytes), num: true },
      { label: 'CPU %', value: (a) => num(a.cpu_percent), render: (a) => num(a.cpu_percent).toFixed(1), num: true },
      { label: 'Spool depth', value: (a) => num(a.spool_depth), num: true },
      { label: 'Shed work', value: (a) => (a.shed_work || []).join(', ') },
      { label: 'Last seen', value: (a) => num(a.last_seen_unix_ms), render: (a) => fmtAgo(a.last_seen_unix_ms) },
    ], agents, { filterPlaceholder: 'Filter agents…', initialSort: { index: 2, dir: -1 }, id: 'agent-health' });
  });

  panel(view, 'Audit log', 'admin-audit', async () => {
    const { audit } = await get('/audit');
    return dataTable([
      { label: 'When', value: (e) => num(e.unix_ms), render: (e) => fmtTime(e.unix_ms) },
      { label: 'Actor', value: (e) => e.actor },
      { label: 'Action', value: (e) => e.action },
      { label: 'Target', value: (e) => e.target_name || e.target, render: (e) => h('span', { title: e.target, text: e.target_name || e.target }) },
      { label: 'Peer', value: (e) => e.peer },
      { label: 'Detail', value: (e) => e.detail },
      { label: 'Count', value: (e) => num(e.count || 1), num: true },
    ], audit.slice(0, 500), { filterPlaceholder: 'Filter the audit log…', initialSort: { index: 0, dir: -1 }, id: 'audit-table' });
  });
}
