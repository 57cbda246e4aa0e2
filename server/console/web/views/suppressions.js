// Suppressions on the device page: allow-list an indicator for this laptop
// (or the whole fleet) with a reason and an expiry; the collector's verdict
// leaves it out until then. Shown as "suppressed by <user> until <date>: <reason>".
import { get, post, isMissingEndpoint } from '../api.js';
import { h, section, empty, notAvailable } from '../dom.js';

export async function suppressionSection(ctx, dev, verdict) {
  const box = h('div', { id: 'suppressions' });
  const out = section('Suppressions (allow-list)', box);
  let r;
  try {
    r = await get(`/suppressions?device=${encodeURIComponent(dev.device_id)}`);
  } catch (e) {
    box.append(isMissingEndpoint(e) ? notAvailable('Suppressions') : h('p', { class: 'error-inline', text: e.message }));
    return out;
  }
  const list = h('ul', { class: 'plain', id: 'suppression-list' });
  for (const s of r.suppressions || []) {
    const li = h('li', { class: 'sup-' + s.state, 'data-suppression': String(s.id) },
      h('span', { class: 'badge d-' + (s.state === 'active' ? 'delivered' : 'failed'), text: s.state }), ' ',
      h('code', { text: s.indicator_id }), s.fleet_wide ? ' (whole fleet)' : '',
      ` suppressed by ${s.created_by} until ${s.expires}: ${s.reason}`,
      s.lifted_by ? ` · lifted by ${s.lifted_by}` : '');
    if (s.state === 'active' && ctx.me.role !== 'viewer')
      li.append(' ', h('button', { type: 'button', class: 'small', text: 'Lift', onclick: async () => {
        try { await post(`/suppressions/${s.id}/lift`); ctx.navigate(location.hash); } catch (e) { ctx.showError(e.message); }
      } }));
    list.append(li);
  }
  box.append((r.suppressions || []).length ? list : empty('Nothing suppressed on this device.'));
  if (ctx.me.role === 'viewer') return out;
  // The indicators of the current verdict, plus ones already suppressed (no longer in it).
  const ids = new Set(((verdict || {}).indicators || []).map((i) => i.id));
  for (const s of r.suppressions || []) ids.add(s.indicator_id);
  const indicator = h('input', { id: 'sup-indicator', list: 'sup-indicators', required: true, placeholder: 'remote.anydesk', 'aria-label': 'Indicator' });
  const options = h('datalist', { id: 'sup-indicators' }, [...ids].map((id) => h('option', { value: id })));
  const reason = h('input', { id: 'sup-reason', required: true, maxlength: '500', size: '36', placeholder: 'Approved by IT for helpdesk support', 'aria-label': 'Reason' });
  const until = h('input', { id: 'sup-until', type: 'date', required: true, 'aria-label': 'Until (UTC date)' });
  const fleet = h('input', { id: 'sup-fleet', type: 'checkbox', 'aria-label': 'Whole fleet' });
  const msg = h('p', { role: 'status', class: 'muted' });
  box.append(h('form', { id: 'suppression-form', class: 'inline-form', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await post('/suppressions', { device_id: fleet.checked ? '' : dev.device_id, indicator_id: indicator.value, reason: reason.value, expires: until.value });
      ctx.navigate(location.hash);
    } catch (ex) { msg.textContent = ex.message; msg.className = 'error-inline'; }
  } }, h('label', {}, 'Indicator ', indicator), options, h('label', {}, 'Reason ', reason), h('label', {}, 'Until ', until),
  h('label', {}, fleet, ' whole fleet'), h('button', { type: 'submit', id: 'sup-add', text: 'Suppress' })), msg);
  return out;
}
