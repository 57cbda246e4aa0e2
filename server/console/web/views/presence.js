// Presence checks on the device page: start one (the laptop's user is asked
// for one physical action), watch it go from queued to delivered to
// answered, and read the plain-language result with its timings.
import { get, post, isMissingEndpoint } from '../api.js';
import { h, section, fmtTime, empty } from '../dom.js';

const STATUS_TEXT = { queued: 'queued (waiting for the laptop)', delivered: 'asked, waiting for the answer',
  answered: 'complete', expired: 'expired' };

export async function presenceSection(base, ctx) {
  const body = h('div', { id: 'presence' });
  const card = section('Presence check', body);
  let timer = null;

  async function refresh() {
    let data;
    try {
      data = await get(`${base}/presence`);
    } catch (e) {
      body.replaceChildren(empty(isMissingEndpoint(e) ? 'Presence checks: not available on this collector.' : e.message));
      return;
    }
    const checks = data.checks || [];
    const rows = checks.map((c) => h('tr', { class: `presence-${c.status}` },
      h('td', { text: fmtTime(c.requested_unix_ms) }),
      h('td', { text: c.action }),
      h('td', { class: 'presence-status', text: STATUS_TEXT[c.status] || c.status }),
      h('td', { class: 'presence-result', text: c.summary || '—' }),
      h('td', { text: c.requested_by })));
    body.replaceChildren(form(),
      checks.length ? h('table', { class: 'data', id: 'presence-checks' },
        h('thead', {}, h('tr', {}, ...['Requested', 'Action', 'Status', 'Result', 'Requested by'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, ...rows))
        : empty('No presence check yet.'));
    clearTimeout(timer);
    // Poll while one is pending and this page is still shown.
    if (checks.some((c) => c.status === 'queued' || c.status === 'delivered') && document.body.contains(card))
      timer = setTimeout(refresh, 2000);
  }

  function form() {
    const action = h('select', { id: 'presence-action', 'aria-label': 'Action' },
      h('option', { value: 'key', text: 'press a key on the built-in keyboard' }),
      h('option', { value: 'reaction', text: 'reaction task (five green boxes)' }),
      h('option', { value: 'lid', text: 'close and open the lid' }));
    const reason = h('input', { id: 'presence-reason', type: 'text', maxlength: '200', placeholder: 'Reason shown to the employee' });
    const msg = h('span', { class: 'muted', role: 'status' });
    const start = h('button', { type: 'button', id: 'presence-start', text: 'Start presence check', onclick: async () => {
      start.disabled = true;
      try {
        await post(`${base}/presence`, { action: action.value, reason: reason.value });
        await refresh();
      } catch (e) {
        msg.textContent = e.message;
        msg.className = 'error-inline';
        start.disabled = false;
      }
    } });
    if (ctx.me.role === 'viewer') return empty('Presence checks are started by investigators.');
    return h('div', { class: 'actions' }, action, ' ', reason, ' ', start, ' ', msg);
  }

  await refresh();
  return card;
}
